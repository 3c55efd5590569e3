namespace Scarlet.WebHost.Live;

/// <summary>
/// Names a video container from the first bytes of a file (its content, never its name): the allow-list of
/// <c>Scarlet:Videos:AllowedContainers</c> is checked against this before a decoder sees the file.
/// </summary>
internal static class VideoContainers
{
    /// <summary>ISO base media (MP4, MOV, 3GP): a <c>ftyp</c> box, or a QuickTime file that starts with another top-level atom.</summary>
    public const string Mp4 = "mp4";

    /// <summary>RIFF AVI.</summary>
    public const string Avi = "avi";

    /// <summary>EBML: Matroska and WebM.</summary>
    public const string Matroska = "matroska";

    /// <summary>The containers the host knows.</summary>
    public static readonly IReadOnlyList<string> Known = [Mp4, Avi, Matroska];

    /// <summary>How many leading bytes <see cref="Sniff"/> needs.</summary>
    public const int HeaderBytes = 12;

    /// <summary>Names the container of a file that starts with <paramref name="header"/>, or null when it is none of <see cref="Known"/>.</summary>
    public static string? Sniff(ReadOnlySpan<byte> header)
    {
        if (header.Length < HeaderBytes)
        {
            return null;
        }

        if (header[..4].SequenceEqual("RIFF"u8) && header[8..12].SequenceEqual("AVI "u8))
        {
            return Avi;
        }

        if (header[..4].SequenceEqual((ReadOnlySpan<byte>)[0x1A, 0x45, 0xDF, 0xA3]))
        {
            return Matroska;
        }

        var box = header[4..8];
        return box.SequenceEqual("ftyp"u8) || box.SequenceEqual("moov"u8) || box.SequenceEqual("mdat"u8) || box.SequenceEqual("wide"u8) || box.SequenceEqual("free"u8)
            ? Mp4
            : null;
    }
}
