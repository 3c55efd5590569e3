using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using OpenCvSharp;
using Scarlet.Tracking.Pipeline;
using Scarlet.Vision;
using Spectre.Console;
using Size = OpenCvSharp.Size;

namespace Scarlet.ConsoleHost.Commands;

/// <summary>Shared bits of <c>run</c> and <c>bench cameras</c>: JSON lines, status line, a resizing source.</summary>
internal static class PipelineCommandSupport
{
    private static readonly JsonSerializerOptions s_json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public static string ToJson(TrackingEvent e) => JsonSerializer.Serialize(new
    {
        type = e.Kind,
        camera = e.CameraId,
        timestamp = e.Timestamp,
        frame = e.Sequence,
        track = e.TrackId,
        person = e.GlobalId,
        customer = e.CustomerId,
        zone = e.Zone,
        line = e.Line,
        direction = e.Direction,
        dwellSeconds = e.Dwell?.TotalSeconds,
    }, s_json);

    /// <summary>The cameras' status as a table, for the live view of <c>run</c> at a terminal.</summary>
    public static Table StatusTable(IReadOnlyList<CameraPipelineStatus> status)
    {
        var table = new Table().Title("scarlet run (Ctrl+C stops)").AddColumn("camera").AddColumn("state").AddColumn("source");
        foreach (var c in new[] { "fps", "processed", "dropped", "ms/frame", "persons" })
        {
            table.AddColumn(new TableColumn(c).RightAligned());
        }

        foreach (var s in status)
        {
            table.AddRow(
                Markup.Escape(s.CameraId),
                Markup.Escape(s.Error is null ? s.State.ToString() : $"{s.State}: {s.Error}"),
                Markup.Escape(s.SourceStatus.ToString()),
                s.ProcessedFps.ToString("F1", CultureInfo.InvariantCulture),
                s.FramesProcessed.ToString(CultureInfo.InvariantCulture),
                string.Create(CultureInfo.InvariantCulture, $"{s.FramesDropped} ({s.DropRate:P0})"),
                s.MeanProcessMilliseconds.ToString("F1", CultureInfo.InvariantCulture),
                s.ActivePersons.ToString(CultureInfo.InvariantCulture));
        }

        return table;
    }

    public static string StatusLine(IReadOnlyList<CameraPipelineStatus> status) =>
        string.Join("  ", status.Select(s => string.Create(CultureInfo.InvariantCulture,
            $"{s.CameraId}: {s.ProcessedFps:F1} fps, {s.FramesDropped} dropped ({s.DropRate:P0}), {s.ActivePersons} persons, {s.SourceStatus}")));
}

/// <summary>Resizes another source's frames (e.g. to 640x480 for the camera benchmark).</summary>
internal sealed class ResizingFrameSource(IFrameSource inner, int width, int height) : IFrameSource
{
    public string CameraId => inner.CameraId;

    public FrameSourceStatus Status => inner.Status;

    public FrameSourceError? LastError => inner.LastError;

    public event EventHandler<FrameSourceStatus>? StatusChanged
    {
        add => inner.StatusChanged += value;
        remove => inner.StatusChanged -= value;
    }

    public async IAsyncEnumerable<Frame> ReadFramesAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var frame in inner.ReadFramesAsync(cancellationToken).ConfigureAwait(false))
        {
            Frame resized;
            using (frame)
            {
                var mat = new Mat();
                try
                {
                    Cv2.Resize(frame.Image, mat, new Size(width, height), 0, 0, InterpolationFlags.Area);
                    resized = new Frame(mat, frame.CameraId, frame.Timestamp, frame.Sequence);
                }
                catch
                {
                    mat.Dispose();
                    throw;
                }
            }

            yield return resized;
        }
    }

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
