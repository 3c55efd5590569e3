using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Time.Testing;
using Scarlet.Testing;
using Scarlet.Vision.Tests.Sources;

namespace Scarlet.Vision.Tests;

[Collection(NativeCounterCollection.Name)]
public sealed class FrameSourceTests : IDisposable
{
    private readonly long _liveAtStart = ScarletDiagnostics.LiveNativeObjects;
    private readonly TempFolder _temp = new();

    public void Dispose()
    {
        _temp.Dispose();
        Assert.Equal(_liveAtStart, ScarletDiagnostics.LiveNativeObjects);
    }

    [Fact]
    public async Task Video_file_decodes_all_795_frames_of_vtest()
    {
        await using var source = new VideoFileSource("pets", TestAssets.VtestVideo);
        var statuses = Record(source);
        var count = 0;
        var start = DateTimeOffset.MinValue;
        await foreach (var frame in source.ReadFramesAsync())
        {
            using (frame)
            {
                Assert.Equal(count, frame.Sequence);
                Assert.Equal("pets", frame.CameraId);
                Assert.Equal((768, 576), (frame.Width, frame.Height));
                if (count == 0)
                {
                    start = frame.Timestamp;
                }

                count++;
            }
        }

        Assert.Equal(795, count);
        Assert.Equal([FrameSourceStatus.Live, FrameSourceStatus.Stopped], statuses);
        Assert.Equal(FrameSourceStatus.Stopped, source.Status);
    }

    [Fact]
    public async Task Video_file_loops_for_demo_cameras()
    {
        var path = TestImages.WriteVideo(_temp.Path, frames: 5, fps: 25);
        await using var source = new VideoFileSource("demo", path, new FrameSourceOptions { Loop = true });
        var sequences = new List<long>();
        await foreach (var frame in source.ReadFramesAsync())
        {
            using (frame)
            {
                sequences.Add(frame.Sequence);
                if (sequences.Count == 12)
                {
                    break;
                }
            }
        }

        Assert.Equal(Enumerable.Range(0, 12).Select(i => (long)i), sequences);
        Assert.Equal(FrameSourceStatus.Stopped, source.Status);
    }

    [Fact]
    public async Task Video_file_paces_at_its_frame_rate_on_the_injected_clock()
    {
        var path = TestImages.WriteVideo(_temp.Path, frames: 3, fps: 10);
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        await using var source = new VideoFileSource("paced", path, new FrameSourceOptions { RealTimePacing = true }, clock);
        await using var frames = source.ReadFramesAsync().GetAsyncEnumerator();

        Assert.True(await frames.MoveNextAsync());
        frames.Current.Dispose();
        var second = frames.MoveNextAsync().AsTask();
        await Task.Delay(100);
        Assert.False(second.IsCompleted, "the second frame is due 100 ms of (fake) time later");
        clock.Advance(TimeSpan.FromMilliseconds(100));
        Assert.True(await second.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(DateTimeOffset.UnixEpoch.AddMilliseconds(100), frames.Current.Timestamp);
        frames.Current.Dispose();
    }

    [Fact]
    public async Task Missing_or_unreadable_video_throws_a_typed_error_and_says_why()
    {
        var before = DateTimeOffset.UtcNow;
        await using var missing = new VideoFileSource("x", Path.Combine(_temp.Path, "nope.avi"));
        var statuses = Record(missing);
        await Assert.ThrowsAsync<FileNotFoundException>(async () => await Drain(missing));
        Assert.Equal([FrameSourceStatus.Failed], statuses);
        Assert.Equal(FrameSourceErrorKind.NotFound, missing.LastError!.Kind);
        Assert.Equal("not found", missing.LastError.Reason);
        Assert.InRange(missing.LastError.Time, before, DateTimeOffset.UtcNow);

        // Text, and bytes that are not a container, under video names: the file source and the FFMPEG (RTSP) source
        // both say "not a video".
        var junk = Path.Combine(_temp.Path, "junk.avi");
        await File.WriteAllTextAsync(junk, "not a video at all");
        var noise = Path.Combine(_temp.Path, "noise.mp4");
        await File.WriteAllBytesAsync(noise, [.. Enumerable.Range(0, 4096).Select(i => (byte)(i * 31 % 251))]);
        foreach (var path in new[] { junk, noise })
        {
            await using var unreadable = new VideoFileSource("x", path);
            await Assert.ThrowsAsync<InvalidDataException>(async () => await Drain(unreadable));
            Assert.Equal(FrameSourceStatus.Failed, unreadable.Status);
            Assert.Equal("not a video", unreadable.LastError!.Reason);
            Assert.Contains(Path.GetFileName(path), unreadable.LastError.ToString(), StringComparison.Ordinal);
        }

        await using var viaFfmpeg = new RtspSource("x", junk, new FrameSourceOptions { MaxStartAttempts = 1 });
        var ex = await Assert.ThrowsAsync<FrameSourceException>(async () => await Drain(viaFfmpeg));
        Assert.Equal(FrameSourceErrorKind.NotAVideo, ex.Kind);
        Assert.Equal((FrameSourceStatus.Failed, "not a video"), (viaFfmpeg.Status, viaFfmpeg.LastError!.Reason));
    }

    [Fact]
    public async Task Image_folder_reads_sorted_images_and_skips_bad_files()
    {
        File.Copy(TestAssets.Data("faces/faceapi_bbt/amy/amy2.png"), Path.Combine(_temp.Path, "b.png"));
        File.Copy(TestAssets.Data("images/ultralytics/zidane.jpg"), Path.Combine(_temp.Path, "a.jpg"));
        File.Copy(TestAssets.Data("images/ultralytics/bus.jpg"), Path.Combine(_temp.Path, "c.JPG"));
        await File.WriteAllTextAsync(Path.Combine(_temp.Path, "broken.jpg"), "not a jpeg");
        await File.WriteAllTextAsync(Path.Combine(_temp.Path, "notes.txt"), "ignored");

        Assert.Equal(["a.jpg", "b.png", "broken.jpg", "c.JPG"], ImageFolderSource.ListImages(_temp.Path).Select(Path.GetFileName));

        await using var source = new ImageFolderSource("folder", _temp.Path);
        var sizes = new List<(int, int, long)>();
        await foreach (var frame in source.ReadFramesAsync())
        {
            using (frame)
            {
                sizes.Add((frame.Width, frame.Height, frame.Sequence));
            }
        }

        Assert.Equal([(1280, 720, 0L), (150, 150, 1L), (810, 1080, 2L)], sizes);
        Assert.Equal(FrameSourceStatus.Stopped, source.Status);
    }

    [Fact]
    public async Task Image_folder_loops_until_cancelled()
    {
        File.Copy(TestAssets.Data("faces/faceapi_bbt/amy/amy1.png"), Path.Combine(_temp.Path, "1.png"));
        File.Copy(TestAssets.Data("faces/faceapi_bbt/amy/amy2.png"), Path.Combine(_temp.Path, "2.png"));
        using var cts = new CancellationTokenSource();
        await using var source = new ImageFolderSource("loop", _temp.Path, new FrameSourceOptions { Loop = true });
        var count = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var frame in source.ReadFramesAsync(cts.Token))
            {
                frame.Dispose();
                if (++count == 5)
                {
                    await cts.CancelAsync();
                }
            }
        });
        Assert.Equal(5, count);
        Assert.Equal(FrameSourceStatus.Stopped, source.Status);
    }

    [Fact]
    public async Task Missing_folder_throws()
    {
        await using var source = new ImageFolderSource("x", Path.Combine(_temp.Path, "missing"));
        await Assert.ThrowsAsync<DirectoryNotFoundException>(async () => await Drain(source));
    }

    [Fact]
    public async Task A_source_has_one_reader_at_a_time()
    {
        var path = TestImages.WriteVideo(_temp.Path, frames: 3, fps: 25);
        await using var source = new VideoFileSource("one", path);
        await using var first = source.ReadFramesAsync().GetAsyncEnumerator();
        Assert.True(await first.MoveNextAsync());
        first.Current.Dispose();
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await Drain(source));
    }

    [Fact]
    public async Task Rtsp_source_reconnects_when_its_stream_ends()
    {
        // The FFMPEG backend opens files too: a 4-frame clip "drops" at its end, so the source must go
        // Live -> Reconnecting -> Live and keep counting sequence numbers.
        var path = TestImages.WriteVideo(_temp.Path, frames: 4, fps: 25);
        var options = new FrameSourceOptions { ReconnectInitialDelay = TimeSpan.FromMilliseconds(10), ReconnectMaxDelay = TimeSpan.FromMilliseconds(50) };
        await using var source = new RtspSource("cam", path, options);
        var statuses = Record(source);
        var sequences = new List<long>();
        await foreach (var frame in source.ReadFramesAsync())
        {
            using (frame)
            {
                sequences.Add(frame.Sequence);
                if (sequences.Count == 10)
                {
                    break;
                }
            }
        }

        Assert.Equal(Enumerable.Range(0, 10).Select(i => (long)i), sequences);
        Assert.Equal(
            [FrameSourceStatus.Live, FrameSourceStatus.Reconnecting, FrameSourceStatus.Live, FrameSourceStatus.Reconnecting, FrameSourceStatus.Live, FrameSourceStatus.Stopped],
            statuses);
    }

    [Fact]
    public async Task Rtsp_source_with_the_camera_down_keeps_retrying_until_cancelled()
    {
        var port = FreePort();
        var options = new FrameSourceOptions
        {
            ReconnectInitialDelay = TimeSpan.FromMilliseconds(10),
            ReconnectMaxDelay = TimeSpan.FromMilliseconds(40),
            ConnectTimeout = TimeSpan.FromSeconds(2),
            MaxStartAttempts = 0,
        };
        await using var source = new RtspSource("door", $"rtsp://127.0.0.1:{port}/stream", options);
        var statuses = Record(source);
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

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!statuses.Contains(FrameSourceStatus.Reconnecting))
        {
            await Task.Delay(5, timeout.Token);
        }

        // Each attempt starts an ffmpeg process (where one is installed): wait for the second failure, not a fixed time.
        while (source.LastError is not { Failures: > 1 })
        {
            await Task.Delay(5, timeout.Token);
        }

        Assert.False(reading.IsCompleted);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => reading.WaitAsync(TimeSpan.FromSeconds(10)));

        Assert.Equal(0, frames);
        Assert.Equal([FrameSourceStatus.Reconnecting, FrameSourceStatus.Stopped], statuses);
        Assert.Equal(FrameSourceStatus.Stopped, source.Status);
        Assert.Equal(FrameSourceErrorKind.ConnectionRefused, source.LastError!.Kind);
        Assert.True(source.LastError.Failures > 1);
    }

    [Fact]
    public async Task Factory_picks_the_source_by_scheme_or_path()
    {
        var video = TestImages.WriteVideo(_temp.Path, frames: 1, fps: 25);
        await using (var s = FrameSourceFactory.Create("a", "rtsp://10.0.0.5:554/stream1"))
        {
            Assert.IsType<RtspSource>(s);
        }

        await using (var s = FrameSourceFactory.Create("b", "http://10.0.0.6:81/stream"))
        {
            Assert.Equal(new Uri("http://10.0.0.6:81/stream"), Assert.IsType<MjpegHttpSource>(s).Uri);
        }

        await using (var s = FrameSourceFactory.Create("c", _temp.Path))
        {
            Assert.IsType<ImageFolderSource>(s);
        }

        await using (var s = FrameSourceFactory.Create("d", video))
        {
            Assert.Equal("d", Assert.IsType<VideoFileSource>(s).CameraId);
        }

        await using (var s = FrameSourceFactory.Create("e", new Uri(video).AbsoluteUri))
        {
            Assert.IsType<VideoFileSource>(s);
        }

        Assert.Throws<FileNotFoundException>(() => FrameSourceFactory.Create("f", Path.Combine(_temp.Path, "none.mp4")));
        Assert.Throws<ArgumentException>(() => FrameSourceFactory.Create("g", "ftp://host/file"));
        Assert.Throws<ArgumentException>(() => FrameSourceFactory.Create(" ", video));
    }

    [Fact]
    public void Source_options_defaults()
    {
        var options = new FrameSourceOptions();
        Assert.False(options.Loop);
        Assert.False(options.RealTimePacing);
        Assert.Equal(10, options.FolderFrameRate);
        Assert.Equal(TimeSpan.FromMilliseconds(500), options.ReconnectInitialDelay);
        Assert.Equal(TimeSpan.FromSeconds(10), options.ReconnectMaxDelay);
        Assert.Equal(10, options.MaxStartAttempts);
        Assert.Equal(0.2, options.ReconnectJitter);
        Assert.Equal(TimeSpan.FromSeconds(10), options.ConnectTimeout);
        Assert.Equal(TimeSpan.FromSeconds(10), options.ReadTimeout);
        Assert.Equal(8 * 1024 * 1024, options.MaxPartBytes);
        Assert.Same(ImageDecoderOptions.Default, options.Decoder);
        options.Validate();
    }

    [Fact]
    public void Invalid_source_options_are_refused_with_the_reason()
    {
        var ex = Assert.Throws<ArgumentException>(() => new FrameSourceOptions { ReconnectMaxDelay = TimeSpan.FromMilliseconds(100) }.Validate());
        Assert.Contains("ReconnectMaxDelay must be at least ReconnectInitialDelay", ex.Message, StringComparison.Ordinal);
        ex = Assert.Throws<ArgumentException>(() => new FrameSourceOptions { ReconnectJitter = 1.5 }.Validate());
        Assert.Contains("ReconnectJitter", ex.Message, StringComparison.Ordinal);
        ex = Assert.Throws<ArgumentException>(() => new FrameSourceOptions { ReadTimeout = TimeSpan.Zero }.Validate());
        Assert.Contains("ReadTimeout must be positive", ex.Message, StringComparison.Ordinal);
        ex = Assert.Throws<ArgumentException>(() => new FrameSourceOptions { MaxStartAttempts = -1 }.Validate());
        Assert.Contains("MaxStartAttempts", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new MjpegHttpSource("x", new Uri("http://h/"), new FrameSourceOptions { MaxPartBytes = 10 }));
    }

    [Fact]
    public void Reconnect_delay_doubles_up_to_the_cap_with_bounded_jitter()
    {
        var options = new FrameSourceOptions();
        double[] expectedSeconds = [0.5, 1, 2, 4, 8, 10, 10, 10];
        for (var attempt = 0; attempt < expectedSeconds.Length; attempt++)
        {
            Assert.Equal(TimeSpan.FromSeconds(expectedSeconds[attempt]), options.GetReconnectDelay(attempt, 0.5));
        }

        Assert.Equal(TimeSpan.FromSeconds(0.4), options.GetReconnectDelay(0, 0));
        Assert.Equal(TimeSpan.FromSeconds(1.2), options.GetReconnectDelay(1, 1));
        Assert.Equal(TimeSpan.FromSeconds(10), options.GetReconnectDelay(1000, 1));
        Assert.Equal(TimeSpan.FromSeconds(10), options.GetReconnectDelay(5, 1)); // the jitter never goes past the cap
    }

    internal static ConcurrentQueue<FrameSourceStatus> Record(IFrameSource source)
    {
        var statuses = new ConcurrentQueue<FrameSourceStatus>();
        source.StatusChanged += (sender, status) =>
        {
            Assert.Same(source, sender);
            statuses.Enqueue(status);
        };
        return statuses;
    }

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task Drain(IFrameSource source)
    {
        await foreach (var frame in source.ReadFramesAsync())
        {
            frame.Dispose();
        }
    }
}
