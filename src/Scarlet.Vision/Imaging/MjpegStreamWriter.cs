using System.Buffers.Text;
using System.Text;
using OpenCvSharp;

namespace Scarlet.Vision;

/// <summary>Per-stream settings of a <see cref="MjpegStreamWriter"/>.</summary>
public sealed class MjpegWriterOptions
{
    /// <summary>The default multipart boundary.</summary>
    public const string DefaultBoundary = "scarletframe";

    /// <summary>Gets the JPEG quality, 1 (smallest) to 100 (best).</summary>
    /// <value>The default value is 80.</value>
    public int JpegQuality { get; init; } = 80;

    /// <summary>Gets the multipart boundary (1-70 characters of letters, digits and <c>'()+_,-./:=?</c>).</summary>
    /// <value>The default value is <c>scarletframe</c>.</value>
    public string Boundary { get; init; } = DefaultBoundary;

    /// <summary>Checks the options.</summary>
    /// <exception cref="ArgumentException">The quality or boundary is invalid.</exception>
    public void Validate()
    {
        if (JpegQuality is < 1 or > 100)
        {
            throw new ArgumentException($"JpegQuality must be 1-100; got {JpegQuality}.", nameof(JpegQuality));
        }

        if (string.IsNullOrEmpty(Boundary) || Boundary.Length > 70)
        {
            throw new ArgumentException("Boundary must be 1-70 characters.", nameof(Boundary));
        }

        foreach (var c in Boundary)
        {
            if (!char.IsAsciiLetterOrDigit(c) && "'()+_,-./:=?".IndexOf(c, StringComparison.Ordinal) < 0)
            {
                throw new ArgumentException($"Boundary has a character not allowed in a multipart boundary: '{c}'.", nameof(Boundary));
            }
        }
    }
}

/// <summary>
/// Writes frames as an MJPEG stream (<c>multipart/x-mixed-replace</c>) to a <see cref="Stream"/>, e.g. an HTTP response
/// for <c>/cameras/{id}/stream</c>. Each part is <c>--boundary</c>, <c>Content-Type: image/jpeg</c>,
/// <c>Content-Length</c>, a blank line, the JPEG and CRLF, so both length-based and boundary-scanning clients read it.
/// </summary>
/// <remarks>Not thread-safe: one writer per stream, one write at a time. Part headers are formatted into a reused
/// buffer; the only per-frame allocation is the JPEG encoder's output.</remarks>
public sealed class MjpegStreamWriter
{
    private static readonly byte[] PartTrailer = "\r\n"u8.ToArray();
    private readonly Stream _stream;
    private readonly byte[] _header;
    private readonly int _lengthOffset;
    private readonly int[] _encodeParameters;

    /// <summary>Creates a writer over <paramref name="stream"/>; the writer does not dispose the stream.</summary>
    /// <param name="stream">The destination, e.g. an HTTP response body.</param>
    /// <param name="options">Quality and boundary; <see langword="null"/> for defaults.</param>
    /// <exception cref="ArgumentException">The options are invalid or the stream is not writable.</exception>
    public MjpegStreamWriter(Stream stream, MjpegWriterOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanWrite)
        {
            throw new ArgumentException("The stream is not writable.", nameof(stream));
        }

        Options = options ?? new MjpegWriterOptions();
        Options.Validate();
        _stream = stream;
        var prefix = Encoding.ASCII.GetBytes($"--{Options.Boundary}\r\nContent-Type: image/jpeg\r\nContent-Length: ");
        _header = new byte[prefix.Length + 16];
        prefix.CopyTo(_header, 0);
        _lengthOffset = prefix.Length;
        _encodeParameters = [(int)ImwriteFlags.JpegQuality, Options.JpegQuality];
    }

    /// <summary>Gets the writer's options.</summary>
    public MjpegWriterOptions Options { get; }

    /// <summary>Gets the HTTP <c>Content-Type</c> of the stream, with its boundary.</summary>
    public string ContentType => ContentTypeFor(Options.Boundary);

    /// <summary>Gets the number of frames written.</summary>
    public long FramesWritten { get; private set; }

    /// <summary>The HTTP <c>Content-Type</c> of an MJPEG stream with the given boundary.</summary>
    /// <param name="boundary">The multipart boundary.</param>
    /// <returns><c>multipart/x-mixed-replace; boundary=...</c>.</returns>
    public static string ContentTypeFor(string boundary) => "multipart/x-mixed-replace; boundary=" + boundary;

    /// <summary>Encodes a frame as JPEG and writes it as one part, then flushes.</summary>
    /// <param name="frame">The frame; not disposed by the writer.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes when the part is written and flushed.</returns>
    public ValueTask WriteFrameAsync(Frame frame, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(frame);
        return WriteFrameAsync(frame.Image, cancellationToken);
    }

    /// <summary>Encodes BGR (or grey) pixels as JPEG and writes them as one part, then flushes.</summary>
    /// <param name="image">The pixels; not disposed by the writer.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes when the part is written and flushed.</returns>
    /// <exception cref="ArgumentException">The image is empty or cannot be encoded.</exception>
    public ValueTask WriteFrameAsync(Mat image, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (image.Empty())
        {
            throw new ArgumentException("The image is empty.", nameof(image));
        }

        if (!Cv2.ImEncode(".jpg", image, out var jpeg, _encodeParameters))
        {
            throw new ArgumentException($"The image ({image.Type()}) could not be encoded as JPEG.", nameof(image));
        }

        return WriteJpegAsync(jpeg, cancellationToken);
    }

    /// <summary>Writes an already-encoded JPEG as one part, then flushes.</summary>
    /// <param name="jpeg">The JPEG bytes.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes when the part is written and flushed.</returns>
    public async ValueTask WriteJpegAsync(ReadOnlyMemory<byte> jpeg, CancellationToken cancellationToken = default)
    {
        if (jpeg.IsEmpty)
        {
            throw new ArgumentException("The JPEG is empty.", nameof(jpeg));
        }

        var span = _header.AsSpan(_lengthOffset);
        Utf8Formatter.TryFormat(jpeg.Length, span, out var written);
        "\r\n\r\n"u8.CopyTo(span[written..]);
        await _stream.WriteAsync(_header.AsMemory(0, _lengthOffset + written + 4), cancellationToken).ConfigureAwait(false);
        await _stream.WriteAsync(jpeg, cancellationToken).ConfigureAwait(false);
        await _stream.WriteAsync(PartTrailer, cancellationToken).ConfigureAwait(false);
        await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        FramesWritten++;
    }
}
