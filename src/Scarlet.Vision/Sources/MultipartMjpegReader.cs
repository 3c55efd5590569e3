using System.Buffers;
using System.Buffers.Text;
using System.Text;

namespace Scarlet.Vision;

/// <summary>
/// Splits a <c>multipart/x-mixed-replace</c> body into its parts, reading through one pooled buffer that never grows
/// beyond the part-size cap. Parts with a <c>Content-Length</c> header are read by length; parts without one end at the
/// JPEG end-of-image marker or the next boundary line, whichever is found first. Without a boundary (broken servers),
/// JPEGs are cut from the byte stream by their start and end markers. A returned part is valid until the next call.
/// </summary>
internal sealed class MultipartMjpegReader : IDisposable
{
    private const int InitialBuffer = 64 * 1024;
    private const int MaxHeaderLine = 8 * 1024;
    private const int MaxHeaderLines = 64;

    // Each structural walk starts at the part's first byte, so a stream that drips end-of-image markers hidden in segment
    // payloads (FF E0 00 04 FF D9, six bytes a read) would cost a walk per read: quadratic, hours of CPU for one 8 MB
    // part (found while fuzzing). A real JPEG shows the walk a few false ends at most (an EXIF thumbnail's); past this
    // many the part ends at its boundary or at the size cap instead.
    private const int MaxJpegWalksPerPart = 64;
    private readonly Stream _stream;
    private readonly byte[]? _boundaryLine;     // "--boundary"; null: no boundary, scan for JPEG markers
    private readonly byte[]? _bareBoundaryLine; // the boundary as declared, when it already starts with "--"
    private readonly byte[] _delimiter;         // "\r\n--boundary" (a part without Content-Length ends here)
    private readonly int _maxPartBytes;
    private readonly int _maxBuffer;
    private readonly TimeSpan _readTimeout;
    private readonly CancellationTokenSource _readTimer;
    private byte[] _buffer;
    private int _start;
    private int _end;
    private int _jpegWalks;

    public MultipartMjpegReader(Stream stream, string? boundary, int maxPartBytes, TimeSpan readTimeout, TimeProvider timeProvider)
    {
        _stream = stream;
        if (boundary is not null)
        {
            _boundaryLine = Encoding.ASCII.GetBytes("--" + boundary);
            _bareBoundaryLine = boundary.StartsWith("--", StringComparison.Ordinal) ? Encoding.ASCII.GetBytes(boundary) : null;
        }

        _delimiter = Encoding.ASCII.GetBytes("\r\n--" + boundary);
        _maxPartBytes = maxPartBytes;
        _maxBuffer = maxPartBytes + MaxHeaderLine + _delimiter.Length;
        _readTimeout = readTimeout;
        _readTimer = new CancellationTokenSource(Timeout.InfiniteTimeSpan, timeProvider);
        _buffer = ArrayPool<byte>.Shared.Rent(Math.Min(InitialBuffer, _maxBuffer));
    }

    private static ReadOnlySpan<byte> StartOfImage => [0xFF, 0xD8, 0xFF];

    private static ReadOnlySpan<byte> EndOfImage => [0xFF, 0xD9];

    /// <summary>Gets whether a media type is multipart (what an MJPEG stream declares).</summary>
    public static bool IsMultipart(string? mediaType) =>
        mediaType is not null && mediaType.StartsWith("multipart/", StringComparison.OrdinalIgnoreCase);

    /// <summary>Extracts the boundary parameter of a multipart content type (quotes removed).</summary>
    /// <returns>The boundary, or null when the content type has none.</returns>
    public static string? ParseBoundary(IEnumerable<System.Net.Http.Headers.NameValueHeaderValue> parameters)
    {
        foreach (var parameter in parameters)
        {
            if (string.Equals(parameter.Name, "boundary", StringComparison.OrdinalIgnoreCase) && !string.IsNullOrWhiteSpace(parameter.Value))
            {
                return parameter.Value.Trim().Trim('"');
            }
        }

        return null;
    }

    /// <summary>Reads the next part's body.</summary>
    /// <returns>The body, valid until the next call; <see langword="null"/> when the stream ends cleanly between parts.</returns>
    /// <exception cref="InvalidDataException">The stream is not well-formed or a part is larger than the cap.</exception>
    /// <exception cref="TimeoutException">No data arrived within the read timeout.</exception>
    public async ValueTask<ReadOnlyMemory<byte>?> ReadPartAsync(CancellationToken cancellationToken)
    {
        _jpegWalks = 0;
        if (_boundaryLine is null)
        {
            return await ReadMarkedJpegAsync(cancellationToken).ConfigureAwait(false);
        }

        // 1. Find the boundary line, skipping blank lines (the CRLF that ends the previous part) and any preamble.
        var lines = 0;
        while (true)
        {
            var line = await ReadLineAsync(cancellationToken).ConfigureAwait(false);
            if (line is null)
            {
                return null;
            }

            var text = _buffer.AsSpan(line.Value.Start, line.Value.Length);
            var matched = text.StartsWith(_boundaryLine) ? _boundaryLine
                : _bareBoundaryLine is not null && text.StartsWith(_bareBoundaryLine) ? _bareBoundaryLine
                : null;
            if (matched is not null)
            {
                if (text[matched.Length..].StartsWith("--"u8))
                {
                    return null; // closing delimiter
                }

                break;
            }

            if (++lines > MaxHeaderLines)
            {
                throw new InvalidDataException("The MJPEG stream has no boundary line where one was expected.");
            }
        }

        // 2. Part headers up to the blank line.
        var contentLength = -1;
        for (var i = 0; ; i++)
        {
            var line = await ReadLineAsync(cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidDataException("The MJPEG stream ended inside part headers.");
            if (line.Length == 0)
            {
                break;
            }

            if (i >= MaxHeaderLines)
            {
                throw new InvalidDataException("An MJPEG part has too many header lines.");
            }

            var header = _buffer.AsSpan(line.Start, line.Length);
            var colon = header.IndexOf((byte)':');
            if (colon > 0 && Ascii.EqualsIgnoreCase(header[..colon].Trim((byte)' '), "Content-Length"u8))
            {
                var value = header[(colon + 1)..].Trim((byte)' ');
                if (!Utf8Parser.TryParse(value, out int parsed, out var consumed) || consumed != value.Length || parsed < 0)
                {
                    throw new InvalidDataException("An MJPEG part has an invalid Content-Length.");
                }

                contentLength = parsed;
            }
        }

        // 3. The body: by length when given, else up to the next delimiter.
        if (contentLength >= 0)
        {
            if (contentLength > _maxPartBytes)
            {
                throw new InvalidDataException($"An MJPEG part of {contentLength} bytes exceeds the limit of {_maxPartBytes}.");
            }

            while (_end - _start < contentLength)
            {
                if (!await FillAsync(contentLength, cancellationToken).ConfigureAwait(false))
                {
                    throw new InvalidDataException("The MJPEG stream ended inside a part.");
                }
            }

            var part = new ReadOnlyMemory<byte>(_buffer, _start, contentLength);
            _start += contentLength;
            return part;
        }

        var scanned = 0;
        while (true)
        {
            var window = _buffer.AsSpan(_start + scanned, _end - _start - scanned);
            var found = window.IndexOf(_delimiter);
            if (found >= 0)
            {
                var length = scanned + found;
                var part = new ReadOnlyMemory<byte>(_buffer, _start, length);
                _start += length + 2; // leave "--boundary" for the next call
                return part;
            }

            // Cameras (ESP32) send the next boundary only with the next frame: end a JPEG part at its EOI marker rather
            // than wait a frame interval for the delimiter.
            var jpeg = TryTakeJpeg(Math.Max(0, scanned - 1));
            if (jpeg is not null)
            {
                return jpeg;
            }

            // Keep the tail that may hold the start of a delimiter split across reads.
            scanned = Math.Max(0, _end - _start - (_delimiter.Length - 1));
            await FillPartAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public void Dispose()
    {
        _readTimer.Dispose();
        var buffer = Interlocked.Exchange(ref _buffer, []);
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>No boundary: skip to the next JPEG start marker, then read to its end marker.</summary>
    private async ValueTask<ReadOnlyMemory<byte>?> ReadMarkedJpegAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var start = _buffer.AsSpan(_start, _end - _start).IndexOf(StartOfImage);
            if (start >= 0)
            {
                _start += start;
                break;
            }

            _start = Math.Max(_start, _end - (StartOfImage.Length - 1)); // keep a marker split across reads
            if (!await FillAsync(StartOfImage.Length, cancellationToken).ConfigureAwait(false))
            {
                return null;
            }
        }

        var checkedUpTo = 0;
        while (true)
        {
            var jpeg = TryTakeJpeg(Math.Max(0, checkedUpTo - 1));
            if (jpeg is not null)
            {
                return jpeg;
            }

            checkedUpTo = _end - _start;
            await FillPartAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Returns the complete JPEG at the start of the unread data, if new data (from <paramref name="freshFrom"/>) holds an
    /// end-of-image marker that ends it. The structural walk runs only then, so the cost stays linear per part.
    /// </summary>
    private ReadOnlyMemory<byte>? TryTakeJpeg(int freshFrom)
    {
        var unread = _buffer.AsSpan(_start, _end - _start);
        if (freshFrom >= unread.Length || unread[freshFrom..].IndexOf(EndOfImage) < 0 || ++_jpegWalks > MaxJpegWalksPerPart)
        {
            return null;
        }

        var end = ImageHeaderParser.FindJpegEnd(unread);
        if (end <= 0)
        {
            return null;
        }

        var part = new ReadOnlyMemory<byte>(_buffer, _start, end);
        _start += end;
        return part;
    }

    /// <summary>Reads more of a part being scanned, enforcing the size cap.</summary>
    private async ValueTask FillPartAsync(CancellationToken cancellationToken)
    {
        if (_end - _start > _maxPartBytes)
        {
            throw new InvalidDataException($"An MJPEG part exceeds the limit of {_maxPartBytes} bytes.");
        }

        if (!await FillAsync(_end - _start + 1, cancellationToken).ConfigureAwait(false))
        {
            throw new InvalidDataException("The MJPEG stream ended inside a part.");
        }
    }

    private async ValueTask<(int Start, int Length)?> ReadLineAsync(CancellationToken cancellationToken)
    {
        var scanned = 0;
        while (true)
        {
            var newline = _buffer.AsSpan(_start + scanned, _end - _start - scanned).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                var start = _start;
                var length = scanned + newline;
                _start += length + 1;
                if (length > 0 && _buffer[start + length - 1] == (byte)'\r')
                {
                    length--;
                }

                return (start, length);
            }

            scanned = _end - _start;
            if (scanned > MaxHeaderLine)
            {
                throw new InvalidDataException("The MJPEG stream has a header line longer than 8 KB.");
            }

            if (!await FillAsync(scanned + 1, cancellationToken).ConfigureAwait(false))
            {
                if (_end - _start == 0)
                {
                    return null;
                }

                throw new InvalidDataException("The MJPEG stream ended inside a line.");
            }
        }
    }

    /// <summary>Reads more data so that at least <paramref name="wanted"/> bytes can be buffered; false at end of stream.</summary>
    private async ValueTask<bool> FillAsync(int wanted, CancellationToken cancellationToken)
    {
        if (_start > 0 && (_end == _buffer.Length || _buffer.Length - _start < wanted))
        {
            // Compact: move unread bytes to the front.
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }

        if (_end == _buffer.Length || _buffer.Length < wanted)
        {
            var size = Math.Min(_maxBuffer, Math.Max(wanted, _buffer.Length * 2));
            if (size <= _buffer.Length)
            {
                throw new InvalidDataException($"An MJPEG part exceeds the limit of {_maxPartBytes} bytes.");
            }

            var bigger = ArrayPool<byte>.Shared.Rent(size);
            Buffer.BlockCopy(_buffer, _start, bigger, 0, _end - _start);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = bigger;
            _end -= _start;
            _start = 0;
        }

        _readTimer.CancelAfter(_readTimeout);
        using var registration = cancellationToken.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), _readTimer);
        int read;
        try
        {
            read = await _stream.ReadAsync(_buffer.AsMemory(_end), _readTimer.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"No data from the camera for {_readTimeout.TotalSeconds:0.#} s.");
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (!_readTimer.TryReset())
        {
            throw new TimeoutException($"No data from the camera for {_readTimeout.TotalSeconds:0.#} s.");
        }

        _end += read;
        return read > 0;
    }
}
