using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using OpenCvSharp;
using Scarlet.Vision.Tests.Sources;

namespace Scarlet.Vision.Tests;

[Collection(NativeCounterCollection.Name)]
public sealed class MjpegTests : IDisposable
{
    // These tests are about retrying: they never give up (giving up is tested in CameraFaultTests).
    private static readonly FrameSourceOptions FastRetry = new()
    {
        ReconnectInitialDelay = TimeSpan.FromMilliseconds(20),
        ReconnectMaxDelay = TimeSpan.FromMilliseconds(100),
        ConnectTimeout = TimeSpan.FromSeconds(2),
        ReadTimeout = TimeSpan.FromSeconds(2),
        MaxStartAttempts = 0,
    };

    private readonly long _liveAtStart = ScarletDiagnostics.LiveNativeObjects;

    public void Dispose() => Assert.Equal(_liveAtStart, ScarletDiagnostics.LiveNativeObjects);

    [Fact]
    public async Task Writer_emits_multipart_parts_with_length_and_boundary()
    {
        using var output = new MemoryStream();
        var writer = new MjpegStreamWriter(output, new MjpegWriterOptions { JpegQuality = 60, Boundary = "frame" });
        Assert.Equal("multipart/x-mixed-replace; boundary=frame", writer.ContentType);
        using (var image = TestImages.Pattern(64, 48))
        {
            await writer.WriteFrameAsync(image);
            using var frame = new Frame(image.Clone(), "cam", DateTimeOffset.UnixEpoch, 0);
            await writer.WriteFrameAsync(frame);
        }

        Assert.Equal(2, writer.FramesWritten);
        var bytes = output.ToArray();
        var position = 0;
        for (var part = 0; part < 2; part++)
        {
            var headEnd = bytes.AsSpan(position).IndexOf("\r\n\r\n"u8);
            var head = Encoding.ASCII.GetString(bytes, position, headEnd);
            var lines = head.Split("\r\n");
            Assert.Equal("--frame", lines[0]);
            Assert.Equal("Content-Type: image/jpeg", lines[1]);
            var length = int.Parse(lines[2]["Content-Length: ".Length..], System.Globalization.CultureInfo.InvariantCulture);
            var body = bytes.AsSpan(position + headEnd + 4, length);
            using (var decoded = Cv2.ImDecode(body, ImreadModes.Color))
            {
                Assert.Equal((64, 48), (decoded.Width, decoded.Height));
            }

            position += headEnd + 4 + length;
            Assert.Equal("\r\n"u8.ToArray(), bytes.AsSpan(position, 2).ToArray());
            position += 2;
        }

        Assert.Equal(bytes.Length, position);
    }

    [Fact]
    public void Writer_options_are_validated()
    {
        using var output = new MemoryStream();
        Assert.Throws<ArgumentException>(() => new MjpegStreamWriter(output, new MjpegWriterOptions { JpegQuality = 0 }));
        Assert.Throws<ArgumentException>(() => new MjpegStreamWriter(output, new MjpegWriterOptions { Boundary = "bad boundary" }));
        Assert.Throws<ArgumentException>(() => new MjpegStreamWriter(output, new MjpegWriterOptions { Boundary = "" }));
    }

    [Fact]
    public async Task Source_reconnects_after_the_server_drops_and_keeps_delivering()
    {
        const int FramesPerConnection = 4;
        var jpegs = TestImages.VtestJpegs;
        await using var server = new MjpegTestServer(async (stream, connection, ct) =>
        {
            var writer = new MjpegStreamWriter(stream);
            await MjpegTestServer.WriteHeadAsync(stream, writer.ContentType, ct);
            for (var i = 0; i < FramesPerConnection; i++)
            {
                await writer.WriteJpegAsync(jpegs[((connection * FramesPerConnection) + i) % jpegs.Length], ct);
            }

            // Returning closes the socket: the camera "drops".
        });

        await using var source = new MjpegHttpSource("esp32", server.Uri, FastRetry);
        var statuses = FrameSourceTests.Record(source);
        var sequences = new List<long>();
        await foreach (var frame in source.ReadFramesAsync().WithCancellation(TimeoutToken(10)))
        {
            using (frame)
            {
                Assert.Equal((768, 576), (frame.Width, frame.Height));
                Assert.Equal("esp32", frame.CameraId);
                sequences.Add(frame.Sequence);
                if (sequences.Count == 3 * FramesPerConnection)
                {
                    break;
                }
            }
        }

        Assert.Equal(Enumerable.Range(0, 3 * FramesPerConnection).Select(i => (long)i), sequences);
        Assert.True(server.Connections >= 3, $"expected 3 connections, saw {server.Connections}");
        Assert.Equal(
            [FrameSourceStatus.Live, FrameSourceStatus.Reconnecting, FrameSourceStatus.Live, FrameSourceStatus.Reconnecting, FrameSourceStatus.Live, FrameSourceStatus.Stopped],
            statuses);
    }

    [Fact]
    public async Task Source_reads_parts_without_content_length_by_boundary()
    {
        var jpegs = TestImages.VtestJpegs;
        await using var server = new MjpegTestServer(async (stream, _, ct) =>
        {
            // ESP32 style: quoted boundary, no Content-Length, a corrupt (truncated) part in the middle.
            await MjpegTestServer.WriteHeadAsync(stream, "multipart/x-mixed-replace;boundary=\"123456789000000000000987654321\"", ct);
            for (var i = 0; i < 6; i++)
            {
                var jpeg = i == 2 ? jpegs[i].AsMemory(0, jpegs[i].Length / 2) : jpegs[i];
                await stream.WriteAsync(Encoding.ASCII.GetBytes("--123456789000000000000987654321\r\nContent-Type: image/jpeg\r\nX-Timestamp: 1.2\r\n\r\n"), ct);
                await stream.WriteAsync(jpeg, ct);
                await stream.WriteAsync("\r\n"u8.ToArray(), ct);
                await stream.FlushAsync(ct);
            }

            await Task.Delay(Timeout.Infinite, ct);
        });

        await using var source = new MjpegHttpSource("cam", server.Uri, FastRetry);
        var frames = 0;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await foreach (var frame in source.ReadFramesAsync(cts.Token))
        {
            using (frame)
            {
                Assert.Equal(frames, frame.Sequence);
                Assert.Equal(768, frame.Width);
                if (++frames == 5)
                {
                    break; // 6 parts sent, the truncated one skipped
                }
            }
        }

        Assert.Equal(5, frames);
        Assert.Equal(1, server.Connections);
    }

    [Fact]
    public async Task Source_cuts_jpegs_by_markers_when_the_server_declares_no_boundary()
    {
        var jpegs = TestImages.VtestJpegs;
        await using var server = new MjpegTestServer(async (stream, _, ct) =>
        {
            await MjpegTestServer.WriteHeadAsync(stream, "multipart/x-mixed-replace", ct);
            for (var i = 0; i < 4; i++)
            {
                await stream.WriteAsync(Encoding.ASCII.GetBytes("--somethingelse\r\nContent-Type: image/jpeg\r\n\r\n"), ct);
                await stream.WriteAsync(jpegs[i], ct);
                await stream.WriteAsync("\r\n"u8.ToArray(), ct);
            }

            await Task.Delay(Timeout.Infinite, ct);
        });

        await using var source = new MjpegHttpSource("raw", server.Uri, FastRetry);
        var sequences = new List<long>();
        await foreach (var frame in source.ReadFramesAsync().WithCancellation(TimeoutToken(10)))
        {
            using (frame)
            {
                Assert.Equal(576, frame.Height);
                sequences.Add(frame.Sequence);
                if (sequences.Count == 4)
                {
                    break;
                }
            }
        }

        Assert.Equal([0L, 1L, 2L, 3L], sequences);
        Assert.Equal(1, server.Connections);
    }

    [Fact]
    public async Task Source_with_the_server_down_retries_without_crashing_and_stops_on_cancel()
    {
        var uri = new Uri($"http://127.0.0.1:{FrameSourceTests.FreePort()}/stream");
        await using var source = new MjpegHttpSource("down", uri, FastRetry);
        var statuses = FrameSourceTests.Record(source);
        using var cts = new CancellationTokenSource();
        var frames = 0;
        var reading = Task.Run(async () =>
        {
            await foreach (var frame in source.ReadFramesAsync(cts.Token))
            {
                frame.Dispose();
                frames++;
            }
        });

        await WaitUntil(() => statuses.Contains(FrameSourceStatus.Reconnecting), TimeoutToken(10));
        await Task.Delay(300); // several more refused attempts
        Assert.False(reading.IsCompleted);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => reading);

        Assert.Equal(0, frames);
        Assert.Equal([FrameSourceStatus.Reconnecting, FrameSourceStatus.Stopped], statuses);
        Assert.Equal(FrameSourceStatus.Stopped, source.Status);
    }

    [Fact]
    public async Task Server_that_comes_up_late_is_picked_up()
    {
        var jpegs = TestImages.VtestJpegs;
        var port = FrameSourceTests.FreePort();
        await using var source = new MjpegHttpSource("late", new Uri($"http://127.0.0.1:{port}/stream"), FastRetry);
        var statuses = FrameSourceTests.Record(source);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await using var frames = source.ReadFramesAsync(cts.Token).GetAsyncEnumerator(cts.Token);
        var first = frames.MoveNextAsync().AsTask();
        while (!statuses.Contains(FrameSourceStatus.Reconnecting))
        {
            await Task.Delay(10, cts.Token);
        }

        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, port);
        listener.Start();
        try
        {
            using var client = await listener.AcceptTcpClientAsync(cts.Token);
            var stream = client.GetStream();
            var writer = new MjpegStreamWriter(stream);
            await MjpegTestServer.WriteHeadAsync(stream, writer.ContentType, cts.Token);
            await writer.WriteJpegAsync(jpegs[0], cts.Token);
            Assert.True(await first);
            frames.Current.Dispose();
            Assert.Equal(FrameSourceStatus.Live, source.Status);
        }
        finally
        {
            listener.Stop();
        }
    }

    [Fact]
    public async Task Oversized_stalled_or_non_mjpeg_responses_cause_a_reconnect_not_a_crash()
    {
        var jpegs = TestImages.VtestJpegs;
        await using var server = new MjpegTestServer(async (stream, connection, ct) =>
        {
            switch (connection)
            {
                case 0: // a part larger than MaxPartBytes: must not be buffered
                    await MjpegTestServer.WriteHeadAsync(stream, "multipart/x-mixed-replace; boundary=b", ct);
                    await stream.WriteAsync(Encoding.ASCII.GetBytes("--b\r\nContent-Type: image/jpeg\r\nContent-Length: 999999999\r\n\r\n"), ct);
                    await Task.Delay(Timeout.Infinite, ct);
                    break;
                case 1: // not MJPEG at all
                    await MjpegTestServer.WriteHeadAsync(stream, "text/html", ct);
                    await stream.WriteAsync("<html>login</html>"u8.ToArray(), ct);
                    break;
                case 2: // headers, then silence: the read timeout must fire
                    await MjpegTestServer.WriteHeadAsync(stream, "multipart/x-mixed-replace; boundary=b", ct);
                    await Task.Delay(Timeout.Infinite, ct);
                    break;
                case 3: // endless part without a boundary or length: capped, not buffered without bound
                    await MjpegTestServer.WriteHeadAsync(stream, "multipart/x-mixed-replace; boundary=b", ct);
                    await stream.WriteAsync("--b\r\nContent-Type: image/jpeg\r\n\r\n"u8.ToArray(), ct);
                    var junk = new byte[16 * 1024];
                    for (var i = 0; i < 64; i++)
                    {
                        await stream.WriteAsync(junk, ct);
                    }

                    await Task.Delay(Timeout.Infinite, ct);
                    break;
                default:
                    var writer = new MjpegStreamWriter(stream);
                    await MjpegTestServer.WriteHeadAsync(stream, writer.ContentType, ct);
                    await writer.WriteJpegAsync(jpegs[1], ct);
                    await Task.Delay(Timeout.Infinite, ct);
                    break;
            }
        });

        var options = new FrameSourceOptions
        {
            ReconnectInitialDelay = TimeSpan.FromMilliseconds(10),
            ReconnectMaxDelay = TimeSpan.FromMilliseconds(20),
            ReadTimeout = TimeSpan.FromMilliseconds(500),
            MaxPartBytes = 256 * 1024,
        };
        await using var source = new MjpegHttpSource("flaky", server.Uri, options);
        var statuses = FrameSourceTests.Record(source);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await using var frames = source.ReadFramesAsync(cts.Token).GetAsyncEnumerator(cts.Token);
        Assert.True(await frames.MoveNextAsync());
        using (frames.Current)
        {
            Assert.Equal(0, frames.Current.Sequence);
        }

        Assert.Equal(5, server.Connections);
        Assert.Equal([FrameSourceStatus.Reconnecting, FrameSourceStatus.Live], statuses);
    }

    [Fact]
    public async Task Backoff_waits_on_the_injected_clock_and_doubles()
    {
        await using var server = new MjpegTestServer(async (stream, _, ct) =>
        {
            await MjpegTestServer.WriteHeadAsync(stream, "text/html", ct); // every attempt fails at once
        });
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var options = new FrameSourceOptions
        {
            ReconnectInitialDelay = TimeSpan.FromSeconds(1),
            ReconnectMaxDelay = TimeSpan.FromSeconds(60),
            ReconnectJitter = 0,
        };
        await using var source = new MjpegHttpSource("cam", server.Uri, options, timeProvider: clock);
        var statuses = FrameSourceTests.Record(source);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var reading = Task.Run(async () =>
        {
            await foreach (var frame in source.ReadFramesAsync(cts.Token))
            {
                frame.Dispose();
            }
        });

        await WaitUntil(() => statuses.Count(s => s == FrameSourceStatus.Reconnecting) == 1, cts.Token);
        Assert.Equal(1, server.Connections);
        clock.Advance(TimeSpan.FromMilliseconds(999));
        await Task.Delay(150);
        Assert.Equal(1, server.Connections);
        clock.Advance(TimeSpan.FromMilliseconds(1));
        await WaitUntil(() => server.Connections == 2, cts.Token);

        // The status stays Reconnecting between failed attempts, so step the clock and measure how much fake time
        // passes before the third attempt: never less than the doubled 2 s wait.
        var advanced = TimeSpan.Zero;
        while (server.Connections < 3)
        {
            cts.Token.ThrowIfCancellationRequested();
            clock.Advance(TimeSpan.FromMilliseconds(100));
            advanced += TimeSpan.FromMilliseconds(100);
            await Task.Delay(20, cts.Token);
        }

        Assert.InRange(advanced, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(3));

        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => reading);
        Assert.Equal(FrameSourceStatus.Stopped, source.Status);
    }

    [Fact]
    public async Task Dispose_stops_a_running_reader()
    {
        var jpegs = TestImages.VtestJpegs;
        await using var server = new MjpegTestServer(async (stream, _, ct) =>
        {
            var writer = new MjpegStreamWriter(stream);
            await MjpegTestServer.WriteHeadAsync(stream, writer.ContentType, ct);
            await writer.WriteJpegAsync(jpegs[0], ct);
            await Task.Delay(Timeout.Infinite, ct);
        });

        var source = new MjpegHttpSource("cam", server.Uri, FastRetry);
        var frames = source.ReadFramesAsync().GetAsyncEnumerator();
        Assert.True(await frames.MoveNextAsync());
        frames.Current.Dispose();
        var next = frames.MoveNextAsync().AsTask();
        await source.DisposeAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => next.WaitAsync(TimeSpan.FromSeconds(5)));
        await frames.DisposeAsync();
        Assert.Equal(FrameSourceStatus.Stopped, source.Status);
    }

    private static async Task WaitUntil(Func<bool> condition, CancellationToken cancellationToken)
    {
        while (!condition())
        {
            await Task.Delay(5, cancellationToken);
        }
    }

    private static CancellationToken TimeoutToken(int seconds) => new CancellationTokenSource(TimeSpan.FromSeconds(seconds)).Token;
}
