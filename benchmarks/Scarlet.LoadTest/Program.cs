using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;

// Load check for a running Scarlet web host (independent of the Scarlet libraries: plain HTTP).
// Usage: dotnet run -c Release --project benchmarks/Scarlet.LoadTest -- --url http://127.0.0.1:8000
//        --enroll <photo> --probe <photo of the same person> [--clients 8] [--seconds 60]
// Registers the --enroll photo once, then for --seconds runs --clients concurrent loops, alternating POST /recognize
// and POST /process-frame with the --probe photo; prints throughput, p50/p99 per endpoint, errors, and the host's
// memory (from /metrics) before and after. The host needs a device key (POST /api/keys, scopes ["device"]): pass it
// in the environment as SCARLET_API_KEY (not on the command line, where other users' `ps` would see it).
// Cluster mode: --propagate-to <host B> measures how long a registration on --url takes to reach B (Propagation.cs);
// --scale register|recognize --hosts A[,B] compares one host with several under the same load (Scaling.cs).
var opts = Args.Parse(args);
if (opts.Has("propagate-to"))
{
    return await Propagation.RunAsync(opts);
}

if (opts.Has("scale"))
{
    return await Scaling.RunAsync(opts);
}

var url = new Uri(opts.Get("url", "http://127.0.0.1:8000"));
var clients = int.Parse(opts.Get("clients", "8"), CultureInfo.InvariantCulture);
var seconds = int.Parse(opts.Get("seconds", "60"), CultureInfo.InvariantCulture);
var enroll = opts.Require("enroll");
var probe = opts.Require("probe");

using var http = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(60) };
var apiKey = Environment.GetEnvironmentVariable("SCARLET_API_KEY");
if (string.IsNullOrWhiteSpace(apiKey))
{
    Console.Error.WriteLine("Set SCARLET_API_KEY to an API key with scope device (POST /api/keys as an admin).");
    return 2;
}

http.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
var probeB64 = Convert.ToBase64String(await File.ReadAllBytesAsync(probe));
using (var reg = await http.PostAsJsonAsync("/register", new { name = "Load Test " + Guid.NewGuid().ToString("N")[..6], face_image_b64 = Convert.ToBase64String(await File.ReadAllBytesAsync(enroll)) }))
{
    Console.WriteLine($"register: {(int)reg.StatusCode} {await reg.Content.ReadAsStringAsync()}");
}

// Warm-up so the first ONNX runs are not measured.
for (var i = 0; i < 3; i++)
{
    (await http.PostAsJsonAsync("/recognize", new { face_image_b64 = probeB64 })).Dispose();
}

var before = await MemoryAsync(http);
var results = new System.Collections.Concurrent.ConcurrentBag<(string Endpoint, double Ms, bool Ok, bool Identified)>();
var stop = Stopwatch.StartNew();
var deadline = TimeSpan.FromSeconds(seconds);
var workers = Enumerable.Range(0, clients).Select(w => Task.Run(async () =>
{
    var n = w;
    while (stop.Elapsed < deadline)
    {
        var recognize = n++ % 2 == 0;
        var path = recognize ? "/recognize" : "/process-frame";
        object body = recognize ? new { face_image_b64 = probeB64 } : new { frame_b64 = probeB64, camera_id = "load-" + w };
        var t = Stopwatch.GetTimestamp();
        try
        {
            using var res = await http.PostAsJsonAsync(path, body);
            var text = await res.Content.ReadAsStringAsync();
            var identified = text.Contains("\"name\":\"Load Test", StringComparison.Ordinal);
            results.Add((path, Stopwatch.GetElapsedTime(t).TotalMilliseconds, res.IsSuccessStatusCode, identified));
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            results.Add((path, Stopwatch.GetElapsedTime(t).TotalMilliseconds, false, false));
        }
    }
})).ToArray();
await Task.WhenAll(workers);
var elapsed = stop.Elapsed.TotalSeconds;
var after = await MemoryAsync(http);

Console.WriteLine($"url {url}  clients {clients}  duration {elapsed:F1} s");
foreach (var group in results.GroupBy(r => r.Endpoint).OrderBy(g => g.Key, StringComparer.Ordinal))
{
    var ms = group.Select(r => r.Ms).Order().ToArray();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{group.Key,-15} requests {ms.Length,6}  throughput {ms.Length / elapsed,7:F1}/s  p50 {Pct(ms, 0.50),7:F1} ms  p99 {Pct(ms, 0.99),7:F1} ms  errors {group.Count(r => !r.Ok)}  identified {group.Count(r => r.Identified)}"));
}

Console.WriteLine($"total throughput {results.Count / elapsed:F1}/s, errors {results.Count(r => !r.Ok)}");
Console.WriteLine($"host memory before: {before}");
Console.WriteLine($"host memory after:  {after}");
return results.Any(r => !r.Ok) ? 1 : 0;

static double Pct(double[] sorted, double p) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

static async Task<string> MemoryAsync(HttpClient http)
{
    var text = await http.GetStringAsync("/metrics");
    string Get(string name) =>
        text.Split('\n').FirstOrDefault(l => l.StartsWith(name + " ", StringComparison.Ordinal)) is { } line
            ? (double.Parse(line[(name.Length + 1)..], CultureInfo.InvariantCulture) / (1024 * 1024)).ToString("F1", CultureInfo.InvariantCulture) + " MiB"
            : "n/a";
    return $"working set {Get("scarlet_process_working_set_bytes")}, managed heap {Get("scarlet_process_managed_heap_bytes")}, live native images {text.Split('\n').FirstOrDefault(l => l.StartsWith("scarlet_native_live_objects ", StringComparison.Ordinal))?.Split(' ')[1] ?? "n/a"}";
}

internal sealed class Args(Dictionary<string, string> values)
{
    public static Args Parse(string[] args)
    {
        var d = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            d[args[i].TrimStart('-')] = args[i + 1];
        }

        return new Args(d);
    }

    public string Get(string key, string fallback) => values.GetValueOrDefault(key, fallback);

    public bool Has(string key) => values.ContainsKey(key);

    public string Require(string key) => values.TryGetValue(key, out var v) ? v : throw new ArgumentException($"--{key} is required");
}
