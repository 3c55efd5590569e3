using System.Text;
using System.Text.Json;
using Scarlet.Vision;
using Scarlet.WebHost;
using Scarlet.WebHost.Api;

namespace Scarlet.Fuzz;

/// <summary>
/// The fuzzing targets: one entry function per kind of untrusted input Scarlet parses. afl-fuzz drives them through
/// <c>Program</c>, and <c>tests/Scarlet.Fuzz.Tests</c> replays the corpus through the same functions, so a finding and
/// its regression test run exactly the same code.
/// </summary>
/// <remarks>
/// A target returns normally or throws; <see cref="IsExpected"/> says which exceptions are the documented refusals of
/// bad input. Anything else, including a <see cref="FuzzFindingException"/> for a broken invariant, is a finding.
/// </remarks>
public static class FuzzTargets
{
    /// <summary>The largest MJPEG part the harness's reader accepts; small, so the cap itself is exercised.</summary>
    public const int MjpegMaxPartBytes = 64 * 1024;

    /// <summary>
    /// The most decoded pixels per input byte the harness tolerates once an image is over
    /// <see cref="ImageDecoderOptions.ExpansionCheckMinPixels"/>. PNG, WebP and BMP are refused by the decoder above 100;
    /// a JPEG whose entropy-coded data covers every 8x8 block needs at least one bit per block in its first scan, so no
    /// complete JPEG exceeds 512. More means the decoder expanded data that is not there.
    /// </summary>
    public const int MaxDecodedPixelsPerInputByte = 1024;

    /// <summary>Managed bytes any one input may allocate, besides 256 per input byte (MJPEG buffers, base64, JSON).</summary>
    public const long ManagedAllocationAllowance = 64L * 1024 * 1024;

    // Created on first use, never in a static initialiser: instrumented code must not run before SharpFuzz maps afl's
    // coverage memory (Fuzzer.OutOfProcess.Run), or it writes through a null pointer.
    private static ImageDecoder Decoder => LazyDecoder.Instance;

    /// <summary>Gets the target names, which are also the corpus folder names under <c>fuzz/corpus</c>.</summary>
    public static IReadOnlyList<string> Names { get; } = ["image", "mjpeg", "base64", "json"];

    /// <summary>Runs one input through one target.</summary>
    /// <param name="target">One of <see cref="Names"/>.</param>
    /// <param name="input">The raw input, as afl-fuzz writes it.</param>
    /// <exception cref="ArgumentException">The target is unknown.</exception>
    public static void Run(string target, ReadOnlySpan<byte> input)
    {
        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        switch (target)
        {
            case "image":
                Image(input);
                break;
            case "mjpeg":
                Mjpeg(input);
                break;
            case "base64":
                Base64(input);
                break;
            case "json":
                Json(input);
                break;
            default:
                throw new ArgumentException($"Unknown fuzz target '{target}'; expected one of {string.Join(", ", Names)}.", nameof(target));
        }

        // Native pixel buffers are checked by CheckDecodedSize; this catches managed buffers that grow with a declared
        // size rather than with the data (a Content-Length, a base64 length).
        var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        if (allocated > ManagedAllocationAllowance + (256L * input.Length))
        {
            throw new FuzzFindingException($"{target}: {allocated} managed bytes allocated for a {input.Length}-byte input.");
        }
    }

    /// <summary>
    /// Says whether an exception is a documented refusal of bad input for that target. For <c>json</c> that is whatever
    /// the web host answers with a 4xx (its own <c>ErrorMapper</c>), since a client only sees the status code.
    /// </summary>
    /// <param name="target">One of <see cref="Names"/>.</param>
    /// <param name="exception">What the target threw.</param>
    /// <returns><see langword="true"/> when the exception is not a finding.</returns>
    public static bool IsExpected(string target, Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return target switch
        {
            "image" or "base64" => exception is InvalidImageException,

            // The reader's own stream errors; TimeoutException cannot happen on a memory stream but is documented.
            "mjpeg" => exception is InvalidDataException or TimeoutException,
            "json" => exception is not FuzzFindingException && ErrorMapper.Map(exception).Status is >= 400 and < 500,
            _ => false,
        };
    }

    /// <summary>Runs one input and swallows the expected exceptions, so only findings escape (what afl sees as a crash).</summary>
    /// <param name="target">One of <see cref="Names"/>.</param>
    /// <param name="input">The raw input.</param>
    public static void RunOne(string target, ReadOnlySpan<byte> input)
    {
        try
        {
            Run(target, input);
        }
        catch (Exception ex) when (IsExpected(target, ex))
        {
            // A refusal of bad input: the point of the exercise.
        }
    }

    /// <summary>
    /// The image header pre-check and the decoder entry: format detection, the size read and the completeness walk
    /// must refuse anything malformed with <see cref="InvalidImageException"/>, and a decoded image must not be far
    /// larger than its data can encode.
    /// </summary>
    private static void Image(ReadOnlySpan<byte> data)
    {
        var format = ImageHeaderParser.DetectFormat(data);
        _ = ImageHeaderParser.FindJpegEnd(data);
        if (format != ImageFormat.Unknown)
        {
            // The parser's own contract: any bytes, only InvalidImageException. Run both walks even where Inspect's
            // limits would stop earlier, so the structure walk sees every header the size read lets through.
            var bytes = data.ToArray();
            TryParse(() => ImageHeaderParser.ReadSize(format, bytes));
            TryParse(() => ImageHeaderParser.CheckComplete(format, bytes));
        }

        using var mat = Decoder.DecodeMat(data);
        CheckDecodedSize(mat.Width, mat.Height, data.Length);
    }

    /// <summary>
    /// The MJPEG multipart reader over a stream that hands out the bytes in small reads. The first byte chooses the
    /// boundary (none, <c>frame</c>, or a boundary that already starts with <c>--</c>), the second the read size.
    /// </summary>
    private static void Mjpeg(ReadOnlySpan<byte> input)
    {
        if (input.Length < 2)
        {
            return;
        }

        string? boundary = (input[0] % 3) switch
        {
            0 => null,
            1 => "frame",
            _ => "--myboundary",
        };
        ReadMjpeg(boundary, input[1] == 0 ? int.MaxValue : input[1], input[2..].ToArray(), MjpegMaxPartBytes);
    }

    /// <summary>Reads every part of an MJPEG body through <c>MultipartMjpegReader</c>, checking its invariants.</summary>
    /// <param name="boundary">The declared boundary; <see langword="null"/> for a stream cut at JPEG markers.</param>
    /// <param name="chunk">The most bytes one read returns.</param>
    /// <param name="body">The stream's bytes.</param>
    /// <param name="maxPartBytes">The part-size cap.</param>
    /// <returns>The number of parts read.</returns>
    /// <exception cref="InvalidDataException">The reader refused the stream.</exception>
    /// <exception cref="FuzzFindingException">An invariant broke.</exception>
    public static int ReadMjpeg(string? boundary, int chunk, byte[] body, int maxPartBytes)
    {
        using var stream = new ChunkedReadStream(body, chunk);
        using var reader = new MultipartMjpegReader(stream, boundary, maxPartBytes, TimeSpan.FromSeconds(10), TimeProvider.System);
        var parts = 0;
        while (true)
        {
            var part = reader.ReadPartAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();
            if (part is null)
            {
                return parts;
            }

            if (part.Value.Length > maxPartBytes)
            {
                throw new FuzzFindingException($"mjpeg: a part of {part.Value.Length} bytes passed the {maxPartBytes}-byte cap.");
            }

            // Every part consumes at least one byte of the stream; more parts than bytes means the reader is stuck.
            if (++parts > body.Length + 1)
            {
                throw new FuzzFindingException($"mjpeg: {parts} parts from {body.Length} bytes: the reader makes no progress.");
            }
        }
    }

    /// <summary>Base64 and data-URL text (UTF-8 bytes, invalid sequences replaced) through <see cref="ImageDecoder.DecodeBase64"/>.</summary>
    private static void Base64(ReadOnlySpan<byte> input)
    {
        var text = Encoding.UTF8.GetString(input);
        using var frame = Decoder.DecodeBase64(text);
        CheckDecodedSize(frame.Width, frame.Height, input.Length);
    }

    /// <summary>
    /// The JSON bodies of the image endpoints, deserialised with the host's <see cref="ApiJson.Options"/> and decoded
    /// the way the handlers do (<see cref="FaceApi.DecodeAsync"/>). The first byte picks the request type: 0
    /// <c>/recognize</c>, <c>/generate-embedding</c> and <c>/auto-register</c>; 1 <c>/register</c>; 2 <c>/process-frame</c>.
    /// </summary>
    private static void Json(ReadOnlySpan<byte> input)
    {
        if (input.IsEmpty)
        {
            return;
        }

        var json = input[1..];
        switch (input[0] % 3)
        {
            case 0:
            {
                var body = JsonSerializer.Deserialize<FaceImageRequest>(json, ApiJson.Options);
                DecodeField(body?.FaceImageB64, "face_image_b64", json.Length);
                break;
            }

            case 1:
            {
                var body = JsonSerializer.Deserialize<RegisterRequest>(json, ApiJson.Options);
                DecodeField(body?.FaceImageB64, "face_image_b64", json.Length);

                // The handler refuses more than four extra photos before decoding any.
                foreach (var more in (body?.FaceImagesB64 ?? []).Take(4))
                {
                    DecodeField(more, "face_images_b64[]", json.Length);
                }

                break;
            }

            default:
            {
                var body = JsonSerializer.Deserialize<ProcessFrameRequest>(json, ApiJson.Options);
                DecodeField(body?.FrameB64, "frame_b64", json.Length);
                break;
            }
        }
    }

    private static void DecodeField(Base64Image? base64, string field, int inputLength)
    {
        // The harness's decoder has no memory budget, so the decode completes synchronously.
        using var image = FaceApi.DecodeAsync(Decoder, base64, field, CancellationToken.None).AsTask().GetAwaiter().GetResult();
        CheckDecodedSize(image.Pixels.Width, image.Pixels.Height, inputLength);
    }

    private static void TryParse(Action parse)
    {
        try
        {
            parse();
        }
        catch (InvalidImageException)
        {
            // The parser's documented refusal.
        }
    }

    private static void CheckDecodedSize(int width, int height, int inputLength)
    {
        var pixels = (long)width * height;
        if (pixels > Decoder.Options.ExpansionCheckMinPixels && pixels > (long)MaxDecodedPixelsPerInputByte * inputLength)
        {
            throw new FuzzFindingException(
                $"{width}x{height} pixels decoded from {inputLength} bytes ({pixels / (double)inputLength:F0} per byte): a decompression bomb got through.");
        }
    }
}

/// <summary>Holds the shared decoder, created when first used.</summary>
internal static class LazyDecoder
{
    public static ImageDecoder Instance { get; } = new();
}

/// <summary>A broken invariant the harness checks itself (a bomb decoded, a cap passed, no progress): always a finding.</summary>
public sealed class FuzzFindingException : Exception
{
    /// <summary>Creates the exception.</summary>
    public FuzzFindingException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What broke.</param>
    public FuzzFindingException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">What broke.</param>
    /// <param name="innerException">The cause.</param>
    public FuzzFindingException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
