using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;

/// <summary>
/// Scale mode (docs/scale-out.md, Sizing): the same load spread over one host or several hosts of a cluster, so the two
/// runs compare. <c>--scale register</c>: concurrent registrations of distinct people (first photo of each LFW person,
/// never the same person twice in a run); <c>--scale recognize</c>: concurrent <c>/recognize</c> of LFW photos. Clients
/// take the hosts in turn (client i uses host i mod n), like a round-robin load balancer. Prints requests/s, p50/p99 and
/// the machine's load average at the start and end (the hosts share this machine's cores with everything else).
/// Usage: dotnet run -c Release --project benchmarks/Scarlet.LoadTest -- --scale register|recognize
///        --hosts http://127.0.0.1:8001[,http://127.0.0.1:8002] --people ../shared/data/faces/lfw/images
///        [--clients 4] [--seconds 30] [--skip 0]   (SCARLET_TOKEN: an admin token, valid on every host)
/// </summary>
internal static class Scaling
{
    public static async Task<int> RunAsync(Args opts)
    {
        var token = Environment.GetEnvironmentVariable("SCARLET_TOKEN");
        if (string.IsNullOrWhiteSpace(token))
        {
            Console.Error.WriteLine("Set SCARLET_TOKEN to an admin token (POST /admin/login on any host).");
            return 2;
        }

        var mode = opts.Require("scale");
        if (mode is not ("register" or "recognize"))
        {
            Console.Error.WriteLine("--scale must be register or recognize");
            return 2;
        }

        var hosts = opts.Require("hosts").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(u => Client(u, token)).ToArray();
        var clients = int.Parse(opts.Get("clients", "4"), CultureInfo.InvariantCulture);
        var seconds = int.Parse(opts.Get("seconds", "30"), CultureInfo.InvariantCulture);
        var skip = int.Parse(opts.Get("skip", "0"), CultureInfo.InvariantCulture);
        var photos = new ConcurrentQueue<string>(Directory.GetDirectories(opts.Require("people"))
            .Order(StringComparer.Ordinal)
            .Skip(skip)
            .Select(d => Directory.GetFiles(d).Order(StringComparer.Ordinal).First()));

        if (photos.IsEmpty)
        {
            Console.Error.WriteLine("--people has no person folders after --skip");
            return 2;
        }

        // Warm-up: every host runs its models once before the clock starts.
        var warm = Convert.ToBase64String(await File.ReadAllBytesAsync(photos.First()));
        foreach (var h in hosts)
        {
            (await h.PostAsJsonAsync("/recognize", new { face_image_b64 = warm })).Dispose();
        }

        var loadBefore = LoadAverage();
        var results = new ConcurrentBag<(double Ms, int Status)>();
        var stop = Stopwatch.StartNew();
        var deadline = TimeSpan.FromSeconds(seconds);
        await Task.WhenAll(Enumerable.Range(0, clients).Select(c => Task.Run(async () =>
        {
            var http = hosts[c % hosts.Length];
            while (stop.Elapsed < deadline && photos.TryDequeue(out var photo))
            {
                var b64 = Convert.ToBase64String(await File.ReadAllBytesAsync(photo));
                object body = mode == "register"
                    ? new { name = Path.GetFileName(Path.GetDirectoryName(photo))!.Replace('_', ' '), face_image_b64 = b64 }
                    : new { face_image_b64 = b64 };
                var t = Stopwatch.GetTimestamp();
                try
                {
                    using var res = await http.PostAsJsonAsync("/" + mode, body);
                    results.Add((Stopwatch.GetElapsedTime(t).TotalMilliseconds, (int)res.StatusCode));
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    results.Add((Stopwatch.GetElapsedTime(t).TotalMilliseconds, 0));
                }
            }
        })));
        var elapsed = stop.Elapsed.TotalSeconds;
        var ms = results.Select(r => r.Ms).Order().ToArray();

        // 200: registered / answered; 400/409/422: no usable face or a lookalike refused (a real answer, counted);
        // 0 or 5xx: failures.
        var failed = results.Count(r => r.Status is 0 or >= 500);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{mode} on {hosts.Length} host(s), {clients} clients, {elapsed:F1} s: {ms.Length / elapsed:F2} requests/s (ok {results.Count(r => r.Status == 200)}, refused {results.Count(r => r.Status is >= 400 and < 500)}, failed {failed})  p50 {Pct(ms, 0.50):F0} ms  p99 {Pct(ms, 0.99):F0} ms  load average {loadBefore} -> {LoadAverage()}"));
        foreach (var h in hosts)
        {
            h.Dispose();
        }

        return failed > 0 ? 1 : 0;
    }

    private static double Pct(double[] sorted, double p) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    private static HttpClient Client(string url, string token)
    {
        var http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(120) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }
}
