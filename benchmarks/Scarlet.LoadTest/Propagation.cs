using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

/// <summary>
/// Cluster mode (docs/scale-out.md): registers people from an LFW-style folder (one sub-folder per person, two or more
/// photos) on host A (--url) and measures, for each, the time from A's answer until host B (--propagate-to) recognises the
/// person's second photo: how long a registration takes to reach another host's gallery. Also prints A's registrations per
/// second. The hosts share the JWT secret, so one admin token (SCARLET_TOKEN, from POST /admin/login) works on both.
/// Usage: dotnet run -c Release --project benchmarks/Scarlet.LoadTest -- --url http://127.0.0.1:8001
///        --propagate-to http://127.0.0.1:8002 --people ../shared/data/faces/lfw/images [--count 100] [--skip 0]
/// </summary>
internal static class Propagation
{
    public static async Task<int> RunAsync(Args opts)
    {
        var token = Environment.GetEnvironmentVariable("SCARLET_TOKEN");
        if (string.IsNullOrWhiteSpace(token))
        {
            Console.Error.WriteLine("Set SCARLET_TOKEN to an admin token (POST /admin/login on either host).");
            return 2;
        }

        using var a = Client(opts.Require("url"), token);
        using var b = Client(opts.Require("propagate-to"), token);
        var count = int.Parse(opts.Get("count", "100"), CultureInfo.InvariantCulture);
        var skip = int.Parse(opts.Get("skip", "0"), CultureInfo.InvariantCulture);
        var people = Directory.GetDirectories(opts.Require("people"))
            .Select(d => Directory.GetFiles(d).Order(StringComparer.Ordinal).ToArray())
            .Where(photos => photos.Length >= 2)
            .OrderBy(photos => photos[0], StringComparer.Ordinal)
            .Skip(skip)
            .Take(count)
            .ToArray();

        var latencies = new List<double>();
        var registering = TimeSpan.Zero;
        var refused = 0;
        foreach (var photos in people)
        {
            var name = Path.GetFileName(Path.GetDirectoryName(photos[0]))!;
            var t = Stopwatch.GetTimestamp();
            using var reg = await a.PostAsJsonAsync("/register", new { name = name.Replace('_', ' '), face_image_b64 = Convert.ToBase64String(await File.ReadAllBytesAsync(photos[0])) });
            registering += Stopwatch.GetElapsedTime(t);
            if (!reg.IsSuccessStatusCode)
            {
                refused++; // no usable face, a lookalike refused as a duplicate: not a propagation case
                continue;
            }

            var id = (await reg.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("customer_id").GetString();
            var probe = new { face_image_b64 = Convert.ToBase64String(await File.ReadAllBytesAsync(photos[1])) };
            var answered = Stopwatch.GetTimestamp();
            while (true)
            {
                using var rec = await b.PostAsJsonAsync("/recognize", probe);
                var users = (await rec.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("tracked_objects").EnumerateArray();
                if (users.Any(u => u.GetProperty("id").GetString() == id))
                {
                    latencies.Add(Stopwatch.GetElapsedTime(answered).TotalMilliseconds);
                    break;
                }

                if (Stopwatch.GetElapsedTime(answered) > TimeSpan.FromSeconds(10))
                {
                    Console.WriteLine($"{name}: not recognised on B within 10 s (the second photo may not match the first)");
                    break;
                }
            }
        }

        var sorted = latencies.Order().ToArray();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"propagation A->B over {sorted.Length} registrations: p50 {Pct(sorted, 0.50):F0} ms  p99 {Pct(sorted, 0.99):F0} ms  max {(sorted.Length > 0 ? sorted[^1] : double.NaN):F0} ms (includes one /recognize on B, {refused} registrations refused)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"registrations on A, one at a time: {people.Length / registering.TotalSeconds:F1}/s"));
        return 0;
    }

    private static double Pct(double[] sorted, double p) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

    private static HttpClient Client(string url, string token)
    {
        var http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }
}
