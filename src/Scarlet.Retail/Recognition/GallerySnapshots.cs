using System.Text;
using Microsoft.Extensions.Logging;
using Scarlet.Recognition;

namespace Scarlet.Retail;

/// <summary>
/// The gallery snapshot files of <see cref="FaceIdentityOptions.SnapshotDirectory"/>, one per organisation, each
/// recording the store's gallery change sequence it was taken at (<see cref="FaceGallerySnapshot"/>).
/// </summary>
internal sealed class GallerySnapshots(string? directory, ILogger logger)
{
    private readonly Lock _sync = new();

    /// <summary>Gets whether snapshots are kept at all.</summary>
    public bool Enabled => !string.IsNullOrWhiteSpace(directory);

    /// <summary>The snapshot file of an organisation, or <see langword="null"/> without a snapshot directory.</summary>
    public string? PathOf(string organizationId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(organizationId);
        if (string.IsNullOrWhiteSpace(directory))
        {
            return null;
        }

        var safe = true;
        foreach (var c in organizationId)
        {
            safe &= char.IsAsciiLetterOrDigit(c) || c is '-' or '_';
        }

        var name = safe ? organizationId : "x" + Convert.ToHexString(Encoding.UTF8.GetBytes(organizationId));
        return Path.Combine(directory, name + ".gallery");
    }

    /// <summary>
    /// Reads an organisation's snapshot when it was taken at <paramref name="storeVersion"/>, the store's current one;
    /// otherwise (none, another version, another model, unreadable) <see langword="null"/>: the caller builds from the store.
    /// </summary>
    public FaceGallery? TryRead(string organizationId, long storeVersion, FaceGallery template)
    {
        var path = PathOf(organizationId);
        if (path is null || !File.Exists(path))
        {
            return null;
        }

        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            var taken = FaceGallerySnapshot.ReadStoreVersion(file);
            if (taken != storeVersion)
            {
                logger.LogInformation("Gallery snapshot {Path} was taken at store version {Taken}, the store is at {Current}: building from the store", path, taken, storeVersion);
                return null;
            }

            file.Position = 0;
            var gallery = FaceGallerySnapshot.Read(file, template.Options, template.ModelId);
            if (gallery.Dimension != template.Dimension)
            {
                gallery.Dispose();
                return null;
            }

            return gallery;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            logger.LogWarning(ex, "Gallery snapshot {Path} not used: building from the store", path);
            return null;
        }
    }

    /// <summary>Writes an organisation's gallery at a store version, replacing the old snapshot atomically; failures are logged.</summary>
    public void Save(OrganizationGallery org, long storeVersion)
    {
        var path = PathOf(org.OrganizationId);
        if (path is null)
        {
            return;
        }

        lock (_sync)
        {
            try
            {
                Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
                var temp = path + ".tmp";
                using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
                {
                    FaceGallerySnapshot.Write(org.Gallery, file, storeVersion);
                    file.Flush(flushToDisk: true);
                }

                // Atomic replace: a crash leaves the old snapshot or the new one, never half of one.
                File.Move(temp, path, overwrite: true);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                logger.LogError(ex, "Gallery snapshot {Path} could not be written", path);
            }
        }
    }

    /// <summary>Deletes an organisation's snapshot (it may hold a face that must not outlive its erasure); failures are logged.</summary>
    public void Delete(string organizationId)
    {
        if (PathOf(organizationId) is not { } path)
        {
            return;
        }

        lock (_sync)
        {
            try
            {
                File.Delete(path);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                logger.LogError(ex, "Gallery snapshot {Path} could not be deleted after an erasure", path);
            }
        }
    }
}
