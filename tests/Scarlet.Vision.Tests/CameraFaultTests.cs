using System.Collections.Concurrent;
using System.Diagnostics;
using Scarlet.Vision.Tests.Sources;
using Xunit.Abstractions;

namespace Scarlet.Vision.Tests;

/// <summary>
/// Camera faults an operator can read: real servers on 127.0.0.1 that stop, come back, refuse, stall or answer with
/// something that is not a video; each source must say why in plain words, with the time, and reconnect within its cap.
/// </summary>
[Collection(NativeCounterCollection.Name)]
public sealed class CameraFaultTests(ITestOutputHelper output) : IDisposable
{
    private readonly long _liveAtStart = ScarletDiagnostics.LiveNativeObjects;

    public void Dispose() => Assert.Equal(_liveAtStart, ScarletDiagnostics.LiveNativeObjects);

    [Fact]
    public async Task An_mjpeg_server_killed_and_restarted_is_read_again_within_the_reconnect_cap()
    {
        var cap = TimeSpan.FromSeconds(1);
        var jpegs = TestImages.VtestJpegs;
        async Task Serve(Stream stream, int connection, CancellationToken ct)
        {
            var writer = new MjpegStreamWriter(stream);
            await MjpegTestServer.WriteHeadAsync(stream, writer.ContentType, ct);
            for (var i = 0; ; i++)
            {
                await writer.WriteJpegAsync(jpegs[i % jpegs.Length], ct);
                await Task.Delay(50, ct);
            }
        }

        var port = FrameSourceTests.FreePort();
        var server = new MjpegTestServer(Serve, port);
        var options = new FrameSourceOptions { ReconnectInitialDelay = TimeSpan.FromMilliseconds(100), ReconnectMaxDelay = cap };
        await using var source = new MjpegHttpSource("door", new Uri($"http://127.0.0.1:{port}/stream"), options);
        var statuses = FrameSourceTests.Record(source);
        var arrivals = new ConcurrentQueue<long>();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var reading = Task.Run(async () =>
        {
            await foreach (var frame in source.ReadFramesAsync(cts.Token))
            {
                frame.Dispose();
                arrivals.Enqueue(Stopwatch.GetTimestamp());
            }
        });

        try
        {
            await WaitUntil(() => arrivals.Count >= 3, cts.Token);

            // Kill: listener and connections close. The source first sees the drop, then refused connections, and
            // keeps retrying at waits that double up to the cap (2.5 s down covers 0.1, 0.2, 0.4, 0.8 and a capped 1 s).
            var killed = DateTimeOffset.UtcNow;
            await server.DisposeAsync();
            await WaitUntil(() => source.LastError?.Kind == FrameSourceErrorKind.ConnectionRefused, cts.Token);
            Assert.Equal(FrameSourceStatus.Reconnecting, source.Status);
            await Task.Delay(TimeSpan.FromSeconds(2.5), cts.Token);
            var down = source.LastError!;
            output.WriteLine($"while down: {down} at {down.Time:O}, failure {down.Failures}, next try in {down.RetryDelay}");
            Assert.Equal("connection refused", down.Reason);
            Assert.InRange(down.Time, killed, DateTimeOffset.UtcNow);
            Assert.True(down.Failures >= 4, $"{down.Failures} failures in 2.5 s");
            Assert.InRange(down.RetryDelay!.Value, TimeSpan.Zero, cap);

            // Restart on the same port: the next attempt (at most one cap away) connects.
            var before = arrivals.Count;
            var restarted = Stopwatch.GetTimestamp();
            server = new MjpegTestServer(Serve, port);
            await WaitUntil(() => arrivals.Count > before, cts.Token);
            var back = Stopwatch.GetElapsedTime(restarted, arrivals.Last());
            output.WriteLine($"first frame {back.TotalMilliseconds:F0} ms after the restart (cap {cap.TotalMilliseconds} ms)");
            Assert.True(back <= cap + TimeSpan.FromMilliseconds(500), $"back after {back}, cap {cap}");
            Assert.Equal(FrameSourceStatus.Live, source.Status);
            Assert.Equal([FrameSourceStatus.Live, FrameSourceStatus.Reconnecting, FrameSourceStatus.Live], Collapse(statuses));
        }
        finally
        {
            await cts.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => reading);
            await server.DisposeAsync();
        }
    }

    [Theory]
    [InlineData("http")]
    [InlineData("rtsp")]
    public async Task A_url_that_refuses_connections_says_connection_refused_within_seconds(string scheme)
    {
        // Default options: the first attempt fails at once, and the fault is readable while the source waits to retry.
        var before = DateTimeOffset.UtcNow;
        await using var source = FrameSourceFactory.Create("gone", $"{scheme}://127.0.0.1:{FrameSourceTests.FreePort()}/stream");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var reading = Task.Run(async () =>
        {
            await foreach (var frame in source.ReadFramesAsync(cts.Token))
            {
                frame.Dispose();
            }
        });

        var watch = Stopwatch.StartNew();
        await WaitUntil(() => source.LastError is not null, cts.Token);
        var error = source.LastError!;
        output.WriteLine($"{scheme}: '{error}' after {watch.ElapsedMilliseconds} ms, retry in {error.RetryDelay}");
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(3), $"took {watch.Elapsed}");
        Assert.Equal((FrameSourceErrorKind.ConnectionRefused, "connection refused", 1), (error.Kind, error.Reason, error.Failures));
        Assert.StartsWith("connection refused: ", error.ToString(), StringComparison.Ordinal);
        Assert.InRange(error.Time, before, DateTimeOffset.UtcNow);
        Assert.InRange(error.RetryDelay!.Value, TimeSpan.FromMilliseconds(400), TimeSpan.FromMilliseconds(600)); // 0.5 s +-20 %
        Assert.Equal(FrameSourceStatus.Reconnecting, source.Status);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => reading);
    }

    [Fact]
    public async Task A_camera_that_cannot_start_fails_after_the_set_number_of_attempts()
    {
        var options = new FrameSourceOptions
        {
            ReconnectInitialDelay = TimeSpan.FromMilliseconds(10),
            ReconnectMaxDelay = TimeSpan.FromMilliseconds(20),
            MaxStartAttempts = 3,
        };
        await using var source = new MjpegHttpSource("door", new Uri($"http://127.0.0.1:{FrameSourceTests.FreePort()}/stream"), options);
        var statuses = FrameSourceTests.Record(source);
        var ex = await Assert.ThrowsAsync<FrameSourceException>(async () =>
        {
            await foreach (var frame in source.ReadFramesAsync().WithCancellation(new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token))
            {
                frame.Dispose();
            }
        });

        output.WriteLine(ex.Message);
        Assert.Equal(FrameSourceErrorKind.ConnectionRefused, ex.Kind);
        Assert.Contains("could not start after 3 attempts: connection refused", ex.Message, StringComparison.Ordinal);
        Assert.Equal([FrameSourceStatus.Reconnecting, FrameSourceStatus.Failed], Collapse(statuses));
        Assert.Equal(FrameSourceStatus.Failed, source.Status);
        Assert.Equal((3, (TimeSpan?)null), (source.LastError!.Failures, source.LastError.RetryDelay));

        // Failed is the last word: disposing does not turn it into Stopped.
        await source.DisposeAsync();
        Assert.Equal(FrameSourceStatus.Failed, source.Status);
    }

    [Theory]
    [InlineData("HTTP/1.1 401 Unauthorized", "authentication failed")]
    [InlineData("HTTP/1.1 403 Forbidden", "authentication failed")]
    [InlineData("HTTP/1.1 404 Not Found", "not found")]
    [InlineData("HTTP/1.1 503 Service Unavailable", "server error")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Type: text/html", "not a video")]
    [InlineData("no answer", "timed out")]
    public async Task An_http_camera_that_answers_wrongly_says_why(string answer, string reason)
    {
        await using var server = new MjpegTestServer(async (stream, _, ct) =>
        {
            if (answer == "no answer")
            {
                await Task.Delay(Timeout.Infinite, ct);
            }

            await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes($"{answer}\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello"), ct);
        });
        var options = new FrameSourceOptions { ConnectTimeout = TimeSpan.FromMilliseconds(500), MaxStartAttempts = 1 };
        await using var source = new MjpegHttpSource("cam", server.Uri, options);
        await Assert.ThrowsAsync<FrameSourceException>(async () =>
        {
            await foreach (var frame in source.ReadFramesAsync())
            {
                frame.Dispose();
            }
        });

        output.WriteLine(source.LastError!.ToString());
        Assert.Equal(reason, source.LastError.Reason);
        Assert.Equal(FrameSourceStatus.Failed, source.Status);
    }

    // The stream is read through Debian's ffmpeg (OpenCvSharp's Linux runtime has no network FFmpeg) and served by
    // GStreamer's RTSP server (FFmpeg's rtsp muxer only pushes to a server); scripts/setup.sh --test installs both.
    [Fact]
    public async Task An_rtsp_server_killed_and_restarted_is_read_again_within_the_reconnect_cap()
    {
        var cap = TimeSpan.FromSeconds(1);
        var port = FrameSourceTests.FreePort();
        var server = await RtspTestServer.StartAsync(port);
        var options = new FrameSourceOptions
        {
            ReconnectInitialDelay = TimeSpan.FromMilliseconds(100),
            ReconnectMaxDelay = cap,
            ReadTimeout = TimeSpan.FromSeconds(2),
        };
        await using var source = new RtspSource("aisle", server.Url, options);
        var arrivals = new ConcurrentQueue<long>();
        var sizes = new ConcurrentQueue<(int, int, int)>();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var reading = Task.Run(async () =>
        {
            await foreach (var frame in source.ReadFramesAsync(cts.Token))
            {
                sizes.Enqueue((frame.Width, frame.Height, frame.Image.Channels()));
                frame.Dispose();
                arrivals.Enqueue(Stopwatch.GetTimestamp());
            }
        });

        try
        {
            await WaitUntil(() => arrivals.Count >= 3, cts.Token);
            await server.DisposeAsync();
            await WaitUntil(() => source.LastError?.Kind == FrameSourceErrorKind.ConnectionRefused, cts.Token);
            await Task.Delay(TimeSpan.FromSeconds(2.5), cts.Token);
            Assert.InRange(source.LastError!.RetryDelay!.Value, TimeSpan.Zero, cap);

            var before = arrivals.Count;
            var restarted = Stopwatch.GetTimestamp();
            server = await RtspTestServer.StartAsync(port);
            await WaitUntil(() => arrivals.Count > before, cts.Token);
            var back = Stopwatch.GetElapsedTime(restarted, arrivals.Last());
            output.WriteLine($"first frame {back.TotalMilliseconds:F0} ms after the restart");
            // Plus an RTSP open: ffmpeg analyses the stream (about 2 s) before its first frame.
            Assert.True(back <= cap + TimeSpan.FromSeconds(4), $"back after {back}");
            Assert.All(sizes, s => Assert.Equal((320, 240, 3), s));
        }
        finally
        {
            await cts.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => reading);
            await server.DisposeAsync();
        }
    }

    [Fact]
    public async Task An_rtsp_path_the_server_does_not_have_says_not_found()
    {
        var server = await RtspTestServer.StartAsync(FrameSourceTests.FreePort());
        await using (server)
        {
            var options = new FrameSourceOptions { ConnectTimeout = TimeSpan.FromSeconds(5), MaxStartAttempts = 1 };
            await using var source = new RtspSource("aisle", server.Url + "-missing", options);
            await Assert.ThrowsAsync<FrameSourceException>(async () =>
            {
                await foreach (var frame in source.ReadFramesAsync())
                {
                    frame.Dispose();
                }
            });

            output.WriteLine(source.LastError!.ToString());
            Assert.Equal(FrameSourceErrorKind.NotFound, source.LastError.Kind);
            Assert.Equal(FrameSourceStatus.Failed, source.Status);
        }
    }

    /// <summary>The statuses with repeats removed (Reconnecting is raised once per outage, Live once per connection).</summary>
    private static FrameSourceStatus[] Collapse(IEnumerable<FrameSourceStatus> statuses)
    {
        var result = new List<FrameSourceStatus>();
        foreach (var s in statuses)
        {
            if (result.Count == 0 || result[^1] != s)
            {
                result.Add(s);
            }
        }

        return [.. result];
    }

    private static async Task WaitUntil(Func<bool> condition, CancellationToken cancellationToken)
    {
        while (!condition())
        {
            await Task.Delay(10, cancellationToken);
        }
    }
}
