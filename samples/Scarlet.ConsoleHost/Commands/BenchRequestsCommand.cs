using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.Json;
using OpenCvSharp;
using Scarlet.Evaluation;
using Scarlet.Evaluation.Tracking;
using Scarlet.Vision.Models;

namespace Scarlet.ConsoleHost.Commands;

/// <summary>
/// <c>scarlet bench requests [--seconds 10] [--clients 1,4] [--endpoints recognize,process-frame] [--host DLL] [--data DIR]
/// [--models DIR] [--host-env KEY=VALUE ...]</c>: the face endpoints at request level. Starts the web host as a child
/// process (Release build, Production, demo camera off, logging at Warning, <c>Server-Timing</c> on), registers one
/// customer from an LFW photo, then for each endpoint and client count posts for <c>--seconds</c>: <c>/recognize</c> with
/// another 250x250 LFW photo of the same person, <c>/process-frame</c> with a 640x480 frame of the demo video with that
/// face pasted in. Prints throughput, p50/p99, the per-request model inference time the host measured in the same
/// run (detect + refine + embed spans), the per-stage breakdown, and <c>overhead_ratio: R</c> per endpoint.
/// </summary>
/// <remarks>
/// Output lines (a contract, like every verb's): a header on stderr; then on stdout one
/// <c>endpoint clients requests rps p50_ms p99_ms inference_ms errors identified</c> line per run, one <c>stages ...</c>
/// line per run (means in ms), and one <c>overhead_ratio: R endpoint=/x</c> line per endpoint: the p50 of the HTTP
/// request time at the fewest clients over the p50 of its inference time. Exit 1 when any request failed.
/// </remarks>
internal static class BenchRequestsCommand
{
    private const string Person = "Amelia_Vega";
    private static readonly string[] StageNames = ["read", "queue", "decode", "detect", "refine", "align", "quality", "embed", "identify", "attributes", "store", "serialise"];

    public static async Task<int> RunAsync(CliArgs args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var seconds = args.Double("seconds", 10);
        var clients = ParseList(args.Optional("clients") ?? "1,4", "--clients", s => int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var c) && c is >= 1 and <= 64 ? c.ToString(CultureInfo.InvariantCulture) : null).Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToList();
        var endpoints = ParseList(args.Optional("endpoints") ?? "recognize,process-frame", "--endpoints", s => s is "recognize" or "process-frame" ? "/" + s : null);
        var data = args.Optional("data") ?? Path.Combine("..", "shared", "data");
        var hostDll = args.Optional("host") ?? DefaultHostDll();
        var hostEnv = args.All("host-env");
        var locator = new ModelLocator(new ModelLocatorOptions { ModelsDirectory = args.Optional("models") });
        args.EnsureAllUsed();
        if (!(seconds is > 0 and <= 3600))
        {
            throw new UsageException("--seconds takes 0 to 3600");
        }

        if (!File.Exists(hostDll))
        {
            throw new UsageException($"the web host is not built at {hostDll}: dotnet build samples/Scarlet.WebHost -c Release (or pass --host)");
        }

        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var kv in hostEnv)
        {
            var eq = kv.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new UsageException($"--host-env takes KEY=VALUE, got '{kv}'");
            }

            env[kv[..eq]] = kv[(eq + 1)..];
        }

        var lfw = Path.Combine(data, "faces", "lfw", "images", Person);
        var enrolPath = Path.Combine(lfw, Person + "_0001.jpg");
        var probePath = Path.Combine(lfw, Person + "_0002.jpg");
        if (!File.Exists(enrolPath) || !File.Exists(probePath))
        {
            throw new UsageException($"LFW photos of {Person} not found under {Path.GetFullPath(lfw)} (--data)");
        }

        var modelsDir = Path.GetDirectoryName(locator.Resolve(ModelCatalog.YuNet2023Mar.Id))!;
        var probe = await File.ReadAllBytesAsync(probePath).ConfigureAwait(false);
        const int FrameIndex = 100;
        var frame = FrameWithFace(DemoVideo.Resolve(locator), FrameIndex, probe);
        var release = hostDll.Contains("release", StringComparison.OrdinalIgnoreCase);
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"bench requests: host {Path.GetFullPath(hostDll)} ({(release ? "Release" : "not a Release build: figures are not comparable")}), demo camera off, logging Warning, {Environment.ProcessorCount} cores; customer {Path.GetFileName(enrolPath)}; /recognize {Path.GetFileName(probePath)} (250x250, {probe.Length} B); /process-frame 640x480 JPEG ({frame.Length} B: that face on vtest.avi frame {FrameIndex}); {seconds:0.#} s per run"));

        await using var host = await HostProcess.StartAsync(hostDll, modelsDir, env).ConfigureAwait(false);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256, UseCookies = false }) { BaseAddress = host.Url, Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Add("X-Api-Key", host.ApiKey);
        using (var reg = await http.PostAsJsonAsync("/register", new { name = "Amelia Vega", face_image_b64 = Convert.ToBase64String(await File.ReadAllBytesAsync(enrolPath).ConfigureAwait(false)) }).ConfigureAwait(false))
        {
            if (!reg.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"registration failed: {(int)reg.StatusCode} {await reg.Content.ReadAsStringAsync().ConfigureAwait(false)}");
            }
        }

        var bodies = new Dictionary<string, byte[]>(StringComparer.Ordinal)
        {
            ["/recognize"] = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string> { ["face_image_b64"] = Convert.ToBase64String(probe) }),
            ["/process-frame"] = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string> { ["frame_b64"] = Convert.ToBase64String(frame), ["camera_id"] = "bench" }),
        };

        Console.WriteLine("endpoint clients requests rps p50_ms p99_ms inference_ms errors identified");
        var failed = false;
        var stageLines = new List<string>();
        var ratios = new List<string>();
        using var bar = ConsoleUi.Progress("bench requests: runs", endpoints.Count * clients.Count);
        foreach (var endpoint in endpoints)
        {
            // Warm-up: first runs of each model size and the JIT are not measured.
            for (var i = 0; i < 5; i++)
            {
                await PostAsync(http, endpoint, bodies[endpoint]).ConfigureAwait(false);
            }

            RunResult? fewest = null;
            foreach (var c in clients)
            {
                var r = await RunAsync(http, endpoint, bodies[endpoint], c, TimeSpan.FromSeconds(seconds)).ConfigureAwait(false);
                failed |= r.Errors > 0;
                bar.Increment();
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{endpoint} {c} {r.Count} {r.Count / r.Seconds:F1} {r.P50:F1} {r.P99:F1} {r.InferenceP50:F1} {r.Errors} {r.Identified}"));
                stageLines.Add(string.Create(CultureInfo.InvariantCulture,
                    $"stages {endpoint} clients={c} {string.Join(' ', StageNames.Select(n => $"{n}={r.StageMean(n):F2}"))} transport={r.Mean - r.StageMean("total"):F2} server_total={r.StageMean("total"):F2} http_mean={r.Mean:F2}"));
                if (fewest is null)
                {
                    fewest = r;
                }
            }

            ratios.Add(fewest is { InferenceP50: > 0 }
                ? string.Create(CultureInfo.InvariantCulture, $"overhead_ratio: {fewest.P50 / fewest.InferenceP50:F2} endpoint={endpoint}")
                : $"overhead_ratio: n/a endpoint={endpoint}");
        }

        foreach (var line in stageLines.Concat(ratios))
        {
            Console.WriteLine(line);
        }

        return failed ? ExitCodes.Failure : ExitCodes.Ok;
    }

    private static async Task<RunResult> RunAsync(HttpClient http, string endpoint, byte[] body, int clients, TimeSpan duration)
    {
        var samples = new List<Sample>[clients];
        var clock = Stopwatch.StartNew();
        var workers = new Task[clients];
        for (var w = 0; w < clients; w++)
        {
            var mine = samples[w] = [];
            workers[w] = Task.Run(async () =>
            {
                while (clock.Elapsed < duration)
                {
                    mine.Add(await PostAsync(http, endpoint, body).ConfigureAwait(false));
                }
            });
        }

        await Task.WhenAll(workers).ConfigureAwait(false);
        return new RunResult([.. samples.SelectMany(s => s)], clock.Elapsed.TotalSeconds);
    }

    private static async Task<Sample> PostAsync(HttpClient http, string endpoint, byte[] body)
    {
        var start = Stopwatch.GetTimestamp();
        try
        {
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = new("application/json");
            using var res = await http.PostAsync(endpoint, content).ConfigureAwait(false);
            var text = await res.Content.ReadAsStringAsync().ConfigureAwait(false);
            var ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            var stages = res.Headers.TryGetValues("Server-Timing", out var values) ? ParseServerTiming(string.Join(", ", values)) : null;
            return new Sample(ms, res.IsSuccessStatusCode, text.Contains("\"Amelia Vega\"", StringComparison.Ordinal), stages);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return new Sample(Stopwatch.GetElapsedTime(start).TotalMilliseconds, false, false, null);
        }
    }

    /// <summary>Parses <c>name;dur=1.5, other;dur=2</c> (RFC: Server Timing) into milliseconds by name.</summary>
    internal static Dictionary<string, double> ParseServerTiming(string header)
    {
        var result = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var entry in header.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = entry.Split(';', StringSplitOptions.TrimEntries);
            foreach (var p in parts.Skip(1))
            {
                if (p.StartsWith("dur=", StringComparison.Ordinal) && double.TryParse(p.AsSpan(4), NumberStyles.Float, CultureInfo.InvariantCulture, out var ms))
                {
                    result[parts[0]] = ms;
                }
            }
        }

        return result;
    }

    /// <summary>A 640x480 frame of the demo video with the centre of the probe photo (its face) pasted in, as JPEG.</summary>
    private static byte[] FrameWithFace(string video, int frameIndex, byte[] probeJpeg)
    {
        using var background = FaceDistanceEvaluation.BackgroundFromVideo(video, frameIndex, 640, 480);
        using var photo = Cv2.ImDecode(probeJpeg, ImreadModes.Color);
        if (photo.Empty() || photo.Width < 200 || photo.Height < 200)
        {
            throw new InvalidDataException("The probe photo is not a 250x250 LFW image.");
        }

        // LFW photos centre the face: the middle 160x160 holds it with some hair and shoulders, like a head in a store frame.
        using var face = new Mat(photo, new Rect((photo.Width - 160) / 2, (photo.Height - 160) / 2, 160, 160));
        using var target = new Mat(background, new Rect(400, 120, 160, 160));
        face.CopyTo(target);
        Cv2.ImEncode(".jpg", background, out var jpeg, new ImageEncodingParam(ImwriteFlags.JpegQuality, 90));
        return jpeg;
    }

    private static string DefaultHostDll()
    {
        // artifacts/bin/Scarlet.ConsoleHost/<config>/ sits beside artifacts/bin/Scarlet.WebHost/<config>/; Release is preferred.
        var bin = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", ".."));
        var release = Path.Combine(bin, "Scarlet.WebHost", "release", "Scarlet.WebHost.dll");
        var same = Path.Combine(bin, "Scarlet.WebHost", Path.GetFileName(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)), "Scarlet.WebHost.dll");
        return File.Exists(release) ? release : same;
    }

    private static IReadOnlyList<string> ParseList(string text, string name, Func<string, string?> parse)
    {
        var list = new List<string>();
        foreach (var s in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            list.Add(parse(s) ?? throw new UsageException($"{name}: unexpected value '{s}'"));
        }

        return list.Count > 0 ? list : throw new UsageException($"{name} needs at least one value");
    }

    private sealed record Sample(double Ms, bool Ok, bool Identified, Dictionary<string, double>? Stages);

    private sealed class RunResult
    {
        private readonly Sample[] _ok;

        public RunResult(Sample[] all, double seconds)
        {
            Count = all.Length;
            Seconds = seconds;
            Errors = all.Count(s => !s.Ok);
            Identified = all.Count(s => s.Identified);
            _ok = [.. all.Where(s => s.Ok)];
            var ms = _ok.Select(s => s.Ms).Order().ToArray();
            P50 = Percentile(ms, 0.50);
            P99 = Percentile(ms, 0.99);
            Mean = ms.Length > 0 ? ms.Average() : double.NaN;
            var inference = _ok.Where(s => s.Stages is not null && s.Stages.ContainsKey("inference")).Select(s => s.Stages!["inference"]).Order().ToArray();
            InferenceP50 = Percentile(inference, 0.50);
        }

        public int Count { get; }

        public double Seconds { get; }

        public int Errors { get; }

        public int Identified { get; }

        public double P50 { get; }

        public double P99 { get; }

        public double Mean { get; }

        public double InferenceP50 { get; }

        public double StageMean(string name)
        {
            var values = _ok.Where(s => s.Stages is not null && s.Stages.ContainsKey(name)).Select(s => s.Stages![name]).ToArray();
            return values.Length > 0 ? values.Average() : double.NaN;
        }

        private static double Percentile(double[] sorted, double p) =>
            sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, Math.Max(0, (int)Math.Ceiling(p * sorted.Length) - 1))];
    }

    /// <summary>The web host as a child process on a free loopback port, with a throw-away store, admin and device key.</summary>
    private sealed class HostProcess : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly string _dir;
        private readonly System.Text.StringBuilder _log = new();

        private HostProcess(Process process, string dir, Uri url)
        {
            _process = process;
            _dir = dir;
            Url = url;
        }

        public Uri Url { get; }

        public string ApiKey { get; private set; } = string.Empty;

        public static async Task<HostProcess> StartAsync(string dll, string modelsDir, IReadOnlyDictionary<string, string> extraEnv)
        {
            var dir = Directory.CreateTempSubdirectory("scarlet-bench-").FullName;
            int port;
            using (var probe = new TcpListener(IPAddress.Loopback, 0))
            {
                probe.Start();
                port = ((IPEndPoint)probe.LocalEndpoint).Port;
            }

            var url = new Uri($"http://127.0.0.1:{port}");
            var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            psi.ArgumentList.Add(Path.GetFullPath(dll));
            psi.ArgumentList.Add("--urls");
            psi.ArgumentList.Add(url.ToString());
            psi.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
            psi.Environment["Scarlet__Storage__Path"] = Path.Combine(dir, "scarlet.db");
            psi.Environment["Scarlet__Jwt__Secret"] = Convert.ToHexString(RandomNumberGenerator.GetBytes(32));
            psi.Environment["Scarlet__Admin__Username"] = "admin";
            psi.Environment["Scarlet__Admin__Password"] = password;
            psi.Environment["Scarlet__Demo__Enabled"] = "false";
            psi.Environment["Scarlet__Models__Directory"] = modelsDir;
            psi.Environment["Scarlet__Telemetry__ServerTiming"] = "true";
            psi.Environment["Logging__LogLevel__Default"] = "Warning";
            foreach (var (k, v) in extraEnv)
            {
                psi.Environment[k] = v;
            }

            var process = Process.Start(psi) ?? throw new InvalidOperationException("cannot start dotnet");
            var host = new HostProcess(process, dir, url);
            process.OutputDataReceived += (_, e) => host.Append(e.Data);
            process.ErrorDataReceived += (_, e) => host.Append(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            try
            {
                using var http = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(10) };
                var ready = Stopwatch.StartNew();
                while (true)
                {
                    if (process.HasExited)
                    {
                        throw new InvalidOperationException($"the web host exited with {process.ExitCode}: {host.LogTail()}");
                    }

                    try
                    {
                        using var health = await http.GetAsync("/health").ConfigureAwait(false);
                        if (health.IsSuccessStatusCode)
                        {
                            break;
                        }
                    }
                    catch (HttpRequestException)
                    {
                    }

                    if (ready.Elapsed > TimeSpan.FromSeconds(120))
                    {
                        throw new TimeoutException($"the web host did not answer /health in 120 s: {host.LogTail()}");
                    }

                    await Task.Delay(250).ConfigureAwait(false);
                }

                using var login = await http.PostAsJsonAsync("/admin/login", new { username = "admin", password }).ConfigureAwait(false);
                login.EnsureSuccessStatusCode();
                var token = (await login.Content.ReadFromJsonAsync<JsonElement>().ConfigureAwait(false)).GetProperty("access_token").GetString();
                using var keyRequest = new HttpRequestMessage(HttpMethod.Post, "/api/keys") { Content = JsonContent.Create(new { name = "bench", scopes = new[] { "device" } }) };
                keyRequest.Headers.Authorization = new("Bearer", token);
                using var key = await http.SendAsync(keyRequest).ConfigureAwait(false);
                key.EnsureSuccessStatusCode();
                host.ApiKey = (await key.Content.ReadFromJsonAsync<JsonElement>().ConfigureAwait(false)).GetProperty("key").GetString()!;
                return host;
            }
            catch
            {
                await host.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync().ConfigureAwait(false);
            }

            _process.Dispose();
            try
            {
                Directory.Delete(_dir, recursive: true);
            }
            catch (IOException)
            {
                // A file still held by a dying process: the temp folder is cleaned by the system later.
            }
        }

        private void Append(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (_log)
            {
                if (_log.Length > 16_000)
                {
                    _log.Remove(0, 8_000);
                }

                _log.AppendLine(line);
            }
        }

        private string LogTail()
        {
            lock (_log)
            {
                var text = _log.ToString();
                return text.Length > 2000 ? text[^2000..] : text;
            }
        }
    }
}
