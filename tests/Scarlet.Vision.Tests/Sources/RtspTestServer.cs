using System.Diagnostics;

namespace Scarlet.Vision.Tests.Sources;

/// <summary>
/// An RTSP server on 127.0.0.1 for the RTSP fault test: GStreamer's RTSP server (Debian gir1.2-gst-rtsp-server-1.0, run
/// by the system python3) serving a 10 fps 320x240 JPEG test pattern at <c>rtsp://127.0.0.1:PORT/s</c>. Disposing kills
/// the process, as a camera losing power would.
/// </summary>
internal sealed class RtspTestServer : IAsyncDisposable
{
    private const string Script = """
        import sys, gi
        gi.require_version('Gst', '1.0'); gi.require_version('GstRtspServer', '1.0')
        from gi.repository import Gst, GstRtspServer, GLib
        Gst.init(None)
        server = GstRtspServer.RTSPServer(); server.set_address('127.0.0.1'); server.set_service(sys.argv[1])
        factory = GstRtspServer.RTSPMediaFactory()
        factory.set_launch('( videotestsrc is-live=true ! video/x-raw,width=320,height=240,framerate=10/1,format=I420 ! jpegenc ! rtpjpegpay name=pay0 pt=26 )')
        factory.set_shared(True)
        server.get_mount_points().add_factory('/s', factory)
        if server.attach(None) == 0: sys.exit('cannot listen on port ' + sys.argv[1])
        print('ready', flush=True)
        GLib.MainLoop().run()
        """;

    private readonly Process _process;

    private RtspTestServer(Process process, int port)
    {
        _process = process;
        Url = $"rtsp://127.0.0.1:{port}/s";
    }

    public string Url { get; }

    public static async Task<RtspTestServer> StartAsync(int port)
    {
        var info = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(Script);
        info.ArgumentList.Add(port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var process = Process.Start(info) ?? throw new InvalidOperationException("python3 did not start");
        var server = new RtspTestServer(process, port);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var line = await process.StandardOutput.ReadLineAsync(timeout.Token);
        if (line != "ready")
        {
            var error = await process.StandardError.ReadToEndAsync(timeout.Token);
            await server.DisposeAsync();
            throw new InvalidOperationException($"The RTSP test server did not start: {error}");
        }

        return server;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}
