using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Scarlet.Testing;

// Soak: the web host as a child process (Production, two cameras looping the demo video) under steady load:
// --clients loops alternating POST /recognize and POST /process-frame (twice as many during the warm-up), one dashboard
// socket and one tracking socket.
// Every --sample seconds it records the host's RSS, managed heap, live native objects, open handles and threads into
// soak.csv and, at the end, soak.png, and prints the slope of each after --warmup as a least-squares line.
// Exit 1 when the RSS slope exceeds --max-rss-slope (MB per 10 minutes), or handles or live native objects (frames,
// tensors) end more than --max-handle-growth / --max-native-growth above their level at the end of the warm-up, or RSS
// ever exceeds --max-rss-mb.
// Usage: dotnet run -c Release --project benchmarks/Scarlet.Soak -- [--minutes 30] [--warmup 5] [--sample 10]
//        [--clients 4] [--out artifacts/soak] [--max-rss-slope 1] [--max-handle-growth 20]
var o = Args.Parse(args);
var minutes = o.Double("minutes", 30);
var warmup = o.Double("warmup", 5);
var sample = o.Double("sample", 10);
var clients = (int)o.Double("clients", 4);
var maxSlope = o.Double("max-rss-slope", 1);
var maxHandleGrowth = o.Double("max-handle-growth", 20);
var maxNativeGrowth = o.Double("max-native-growth", 5);
var maxRss = o.Double("max-rss-mb", double.PositiveInfinity);
var outDir = Path.GetFullPath(o.Get("out", Path.Combine(TestAssets.RepoRoot, "artifacts", "soak")));
Directory.CreateDirectory(outDir);

using var host = await Host.StartAsync();
Console.WriteLine($"host pid {host.Pid} on {host.BaseAddress}; {minutes} min, warm-up {warmup} min, sample every {sample} s, {clients} clients");
using var http = new HttpClient { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
var enrol = Convert.ToBase64String(File.ReadAllBytes(Lfw("Amelia_Vega", 0)));
var probes = new[] { Lfw("Amelia_Vega", 1), Lfw("Al_Sharpton", 0), Path.Combine(TestAssets.DataDir, "images", "ultralytics", "zidane.jpg") }
    .Select(p => Convert.ToBase64String(File.ReadAllBytes(p))).ToArray();
(await http.PostAsJsonAsync("/register", new { name = "Soak Customer", face_image_b64 = enrol })).EnsureSuccessStatusCode();

using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(minutes));

// The warm-up runs twice the clients, so pools, heaps and arenas reach the size the measured load needs (and more)
// before measuring: what still grows after it is growth, not settling.
using var warmupEnd = new CancellationTokenSource(TimeSpan.FromMinutes(warmup));
var counts = new long[3]; // ok, shed (429/503), failed
var load = Enumerable.Range(0, clients * 2).Select(c => Task.Run(async () =>
{
    for (var n = c; !stop.IsCancellationRequested && (c < clients || !warmupEnd.IsCancellationRequested); n++)
    {
        var probe = probes[n % probes.Length];
        try
        {
            using var res = n % 2 == 0
                ? await http.PostAsJsonAsync("/recognize", new { face_image_b64 = probe }, stop.Token)
                : await http.PostAsJsonAsync("/process-frame", new { frame_b64 = probe, camera_id = "soak-" + c }, stop.Token);
            Interlocked.Increment(ref counts[res.IsSuccessStatusCode ? 0 : (int)res.StatusCode is 429 or 503 ? 1 : 2]);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        catch (HttpRequestException)
        {
            Interlocked.Increment(ref counts[2]);
        }
    }
})).ToList();
var token = await host.AdminTokenAsync(http);
load.Add(Socket("/ws/dashboard", token, stop.Token));
load.Add(Socket("/ws/tracking", token, stop.Token));

var csv = new StringBuilder("seconds,rss_mb,managed_heap_mb,native_objects,handles,threads,requests_ok,requests_shed,requests_failed,websocket_clients\n");
var rows = new List<double[]>();
var clock = Stopwatch.StartNew();
while (!stop.IsCancellationRequested)
{
    var metrics = await http.GetStringAsync("/metrics");
    double[] row =
    [
        clock.Elapsed.TotalSeconds,
        host.Status("VmRSS") / 1024.0,
        Metric(metrics, "scarlet_process_managed_heap_bytes") / 1_048_576,
        Metric(metrics, "scarlet_native_live_objects"),
        host.Handles,
        host.Status("Threads"),
        Interlocked.Read(ref counts[0]),
        Interlocked.Read(ref counts[1]),
        Interlocked.Read(ref counts[2]),
        MetricSum(metrics, "scarlet_websocket_clients"),
    ];
    rows.Add(row);
    csv.AppendLine(string.Join(',', row.Select(v => v.ToString("0.##", CultureInfo.InvariantCulture))));
    await File.WriteAllTextAsync(Path.Combine(outDir, "soak.csv"), csv.ToString());
    try
    {
        await Task.Delay(TimeSpan.FromSeconds(sample), stop.Token);
    }
    catch (OperationCanceledException)
    {
    }
}

await Task.WhenAll(load);
var after = rows.Where(r => r[0] >= warmup * 60).ToList();
if (after.Count < 3)
{
    Console.Error.WriteLine("soak: too few samples after the warm-up");
    return 2;
}

string[] names = ["rss_mb", "managed_heap_mb", "native_objects", "handles", "threads"];
var slopes = new double[names.Length];
for (var i = 0; i < names.Length; i++)
{
    slopes[i] = Slope(after, i + 1) * 600; // per 10 minutes
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{names[i],-16} warm {after[0][i + 1],8:F1}  end {after[^1][i + 1],8:F1}  min {after.Min(r => r[i + 1]),8:F1}  max {after.Max(r => r[i + 1]),8:F1}  slope {slopes[i],8:F2} per 10 min"));
}

var last = rows[^1];
var seconds = last[0];
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"requests: {last[6]} ok, {last[7]} shed, {last[8]} failed in {seconds:F0} s ({last[6] / seconds:F1}/s); WebSocket clients at the end: {last[9]}"));
Plot(rows, warmup, Path.Combine(outDir, "soak.png"));
Console.WriteLine($"csv: {Path.Combine(outDir, "soak.csv")}  plot: {Path.Combine(outDir, "soak.png")}");
var handleGrowth = after[^1][4] - after.Take(3).Average(r => r[4]);
var nativeGrowth = after.TakeLast(3).Min(r => r[3]) - after.Take(3).Max(r => r[3]);
var peakRss = rows.Max(r => r[1]);
var ok = slopes[0] <= maxSlope && peakRss <= maxRss && handleGrowth <= maxHandleGrowth && nativeGrowth <= maxNativeGrowth && last[6] > 0;
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"soak: {(ok ? "passed" : "FAILED")} (RSS slope {slopes[0]:F2} MB per 10 min, limit {maxSlope}; peak RSS {peakRss:F0} MB, limit {maxRss}; handles {handleGrowth:+0;-0;0}, limit {maxHandleGrowth}; native objects {nativeGrowth:+0;-0;0}, limit {maxNativeGrowth})"));
return ok ? 0 : 1;

static string Lfw(string person, int index) =>
    Directory.GetFiles(Path.Combine(TestAssets.Lfw, "images", person)).Order(StringComparer.Ordinal).ElementAt(index);

static double Metric(string text, string name)
{
    foreach (var line in text.Split('\n'))
    {
        if (line.StartsWith(name + " ", StringComparison.Ordinal) || line.StartsWith(name + "{", StringComparison.Ordinal))
        {
            return double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
        }
    }

    return double.NaN;
}

static double MetricSum(string text, string name) =>
    text.Split('\n').Where(l => l.StartsWith(name + "{", StringComparison.Ordinal) || l.StartsWith(name + " ", StringComparison.Ordinal))
        .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));

static double Slope(List<double[]> rows, int column)
{
    double n = rows.Count, mx = rows.Average(r => r[0]), my = rows.Average(r => r[column]);
    double sxy = 0, sxx = 0;
    foreach (var r in rows)
    {
        sxy += (r[0] - mx) * (r[column] - my);
        sxx += (r[0] - mx) * (r[0] - mx);
    }

    return sxx == 0 || n < 2 ? 0 : sxy / sxx;
}

static void Plot(List<double[]> rows, double warmup, string path)
{
    var plot = new ScottPlot.Plot();
    var minutes = rows.Select(r => r[0] / 60).ToArray();
    var rss = plot.Add.Scatter(minutes, rows.Select(r => r[1]).ToArray());
    rss.LegendText = "RSS (MB)";
    var heap = plot.Add.Scatter(minutes, rows.Select(r => r[2]).ToArray());
    heap.LegendText = "managed heap (MB)";
    var threads = plot.Add.Scatter(minutes, rows.Select(r => r[5]).ToArray());
    threads.LegendText = "threads";
    var handles = plot.Add.Scatter(minutes, rows.Select(r => r[4]).ToArray());
    handles.LegendText = "handles";
    plot.Add.VerticalLine(warmup).LegendText = "end of warm-up";
    plot.XLabel("minutes");
    plot.Title("Scarlet web host soak: 2 cameras, /recognize + /process-frame, dashboard and tracking sockets");
    plot.ShowLegend();
    plot.SavePng(path, 1000, 500);
}

static async Task Socket(string path, string token, CancellationToken ct)
{
    var buffer = new byte[64 * 1024];
    while (!ct.IsCancellationRequested)
    {
        using var ws = new ClientWebSocket();
        ws.Options.SetRequestHeader("Authorization", "Bearer " + token);
        try
        {
            await ws.ConnectAsync(new UriBuilder(new Uri(Host.Current!.BaseAddress, path)) { Scheme = "ws" }.Uri, ct);
            while (!ct.IsCancellationRequested && ws.State == WebSocketState.Open)
            {
                var r = await ws.ReceiveAsync(buffer, ct);
                if (r.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
            if (!ct.IsCancellationRequested)
            {
                await Task.Delay(1000, CancellationToken.None);
            }
        }
    }
}

/// <summary>The host child process.</summary>
internal sealed class Host : IDisposable
{
    public const string AdminUser = "admin";
    public const string AdminPassword = "correct-horse-battery-staple";

    private readonly Process _process;
    private readonly string _data;

    private Host(Process process, string data, Uri baseAddress)
    {
        _process = process;
        _data = data;
        BaseAddress = baseAddress;
    }

    public static Host? Current { get; private set; }

    public Uri BaseAddress { get; }

    public int Pid => _process.Id;

    public int Handles => Directory.GetFiles($"/proc/{Pid}/fd").Length;

    public static async Task<Host> StartAsync()
    {
        var data = Path.Combine(Path.GetTempPath(), "scarlet-soak-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(data);
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        var psi = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Scarlet.WebHost.dll"));
        psi.ArgumentList.Add("--urls");
        psi.ArgumentList.Add($"http://127.0.0.1:{port}");
        psi.WorkingDirectory = Path.Combine(TestAssets.RepoRoot, "samples", "Scarlet.WebHost");
        var env = psi.Environment;
        env["ASPNETCORE_ENVIRONMENT"] = "Production";
        env["Scarlet__Storage__Path"] = Path.Combine(data, "scarlet.db");
        env["Scarlet__Jwt__Secret"] = "soak-secret-0123456789-abcdefghijklmnopqrstuvwxyz";
        env["Scarlet__Jwt__ExpiryMinutes"] = "1440";
        env["Scarlet__Admin__Username"] = AdminUser;
        env["Scarlet__Admin__Password"] = AdminPassword;
        env["Scarlet__Models__Directory"] = TestAssets.ModelsDir;
        env["Scarlet__Security__PasswordIterations"] = "1000";
        env["Scarlet__Security__OpenSeedEndpoints"] = "true";
        env["Scarlet__Demo__Enabled"] = "true";
        env["Scarlet__Demo__Video"] = TestAssets.VtestVideo;
        env["Scarlet__Cameras__0__Id"] = "aisle";
        env["Scarlet__Cameras__0__Source"] = TestAssets.VtestVideo;
        env["Scarlet__Cameras__0__Zone"] = "grocery";
        var process = Process.Start(psi)!;

        // Drained so the host never blocks on a full pipe; the soak reads memory, not logs.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => { if (e.Data is { } line && line.Contains("fail", StringComparison.Ordinal)) Console.Error.WriteLine("host: " + line); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var host = new Host(process, data, new Uri($"http://127.0.0.1:{port}/"));
        Current = host;
        using var http = new HttpClient { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        for (var i = 0; i < 600; i++)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"the host exited with {process.ExitCode}");
            }

            try
            {
                using var res = await http.GetAsync("/health");
                if (res.IsSuccessStatusCode)
                {
                    return host;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
            }

            await Task.Delay(200);
        }

        host.Dispose();
        throw new TimeoutException("the host did not answer /health in 2 minutes");
    }

    public async Task<string> AdminTokenAsync(HttpClient http)
    {
        using var res = await http.PostAsJsonAsync("/admin/login", new { username = AdminUser, password = AdminPassword });
        res.EnsureSuccessStatusCode();
        using var doc = JsonDocument.Parse(await res.Content.ReadAsStringAsync());
        return doc.RootElement.GetProperty("access_token").GetString()!;
    }

    /// <summary>A field of /proc/PID/status: kB for the Vm fields, a count for Threads.</summary>
    public double Status(string field)
    {
        foreach (var line in File.ReadLines($"/proc/{Pid}/status"))
        {
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
            {
                return double.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
            }
        }

        return double.NaN;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_data, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

internal sealed class Args
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    public static Args Parse(string[] args)
    {
        var a = new Args();
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal))
            {
                throw new ArgumentException($"expected --name value, got '{args[i]}'");
            }

            a._values[args[i][2..]] = args[i + 1];
        }

        return a;
    }

    public string Get(string name, string fallback) => _values.GetValueOrDefault(name, fallback);

    public double Double(string name, double fallback) =>
        _values.TryGetValue(name, out var v) ? double.Parse(v, CultureInfo.InvariantCulture) : fallback;
}
