using System.Collections.Concurrent;
using Scarlet.Recognition;

namespace Scarlet.Retail;

/// <summary>
/// One organisation's gallery, its loading state, the erasures it has seen, and the store version it is a faithful copy
/// of: <see cref="Version"/> is the highest gallery change sequence up to which every change has been applied.
/// </summary>
internal sealed class OrganizationGallery(string organizationId, FaceGallery gallery) : IDisposable
{
    private readonly SemaphoreSlim _loadLock = new(1, 1);
    private readonly SortedSet<long> _ahead = [];
    private volatile bool _isLoaded;
    private volatile FaceGallery _gallery = gallery;
    private int _remoteInFlight;

    public string OrganizationId { get; } = organizationId;

    /// <summary>Gets the gallery (replaced once, by a snapshot loaded at start, before <see cref="IsLoaded"/>).</summary>
    public FaceGallery Gallery => _gallery;

    /// <summary>Gets the store version every change up to which is in the gallery (under <see cref="Sync"/>).</summary>
    public long Version { get; private set; }

    /// <summary>Gets whether a change without a store version was applied: then no snapshot can vouch for a version (under <see cref="Sync"/>).</summary>
    public bool HasUnversionedChange { get; private set; }

    /// <summary>Gets whether the gallery was loaded from its snapshot (the start-up shortcut) rather than built from the store.</summary>
    public bool FromSnapshot { get; private set; }

    /// <summary>Gets or sets whether the gallery changed since its snapshot was written (under <see cref="Sync"/>).</summary>
    public bool Dirty { get; set; }

    /// <summary>Gets whether another host's change is still being read from the store: until then no snapshot can vouch for the version.</summary>
    public bool RemoteInFlight => Volatile.Read(ref _remoteInFlight) > 0;

    /// <summary>Another host's change was queued for the replica.</summary>
    public void BeginRemote() => Interlocked.Increment(ref _remoteInFlight);

    /// <summary>Another host's change was applied (or given up).</summary>
    public void EndRemote() => Interlocked.Decrement(ref _remoteInFlight);

    /// <summary>Gets or sets whether a debounced snapshot write is scheduled (under <see cref="Sync"/>).</summary>
    public bool SaveScheduled { get; set; }

    /// <summary>Gets the lock that orders changes against the load (a change made while loading waits in <see cref="Pending"/>).</summary>
    public Lock Sync { get; } = new();

    /// <summary>Gets the lock that lets one registration at a time check the gallery and enrol.</summary>
    public SemaphoreSlim RegisterLock { get; } = new(1, 1);

    /// <summary>Gets the changes (with their store versions) that arrived while the gallery was loading, applied after it.</summary>
    public List<(long Version, Action<FaceGallery> Change)> Pending { get; } = [];

    /// <summary>Gets the vector ids erased while this process runs: a load or a late replica change never brings them back.</summary>
    public ConcurrentDictionary<long, byte> Erased { get; } = new();

    public bool IsLoaded
    {
        get => _isLoaded;
        set => _isLoaded = value;
    }

    /// <summary>Sets the store version the loaded contents are at (a change later in the store may already be in them).</summary>
    public void LoadedAt(long version, FaceGallery? loaded)
    {
        Version = version;
        if (loaded is not null)
        {
            // The empty one is not disposed: a camera pipeline's gallery accessor may still hold it for a moment.
            _gallery = loaded;
            FromSnapshot = true;
        }
    }

    /// <summary>The version of a change that is only part of one whose version is recorded when it completes.</summary>
    public const long Untracked = -1;

    /// <summary>Records that the change of store version <paramref name="version"/> is in the gallery (call under <see cref="Sync"/>).</summary>
    public void Applied(long version)
    {
        Dirty = true;
        if (version == Untracked)
        {
            return;
        }

        if (version <= 0)
        {
            HasUnversionedChange = true;
            return;
        }

        if (version > Version)
        {
            _ahead.Add(version);
        }

        // Changes of other hosts may arrive out of order: the version advances only over an unbroken run.
        while (_ahead.Remove(Version + 1))
        {
            Version++;
        }

        _ahead.RemoveWhere(v => v <= Version);
    }

    /// <summary>Runs <paramref name="load"/> once, the first time any caller needs the gallery.</summary>
    public async Task EnsureLoadedAsync(Func<OrganizationGallery, CancellationToken, Task> load, CancellationToken cancellationToken)
    {
        if (IsLoaded)
        {
            return;
        }

        await _loadLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!IsLoaded)
            {
                await load(this, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _loadLock.Release();
        }
    }

    public void Dispose()
    {
        Gallery.Dispose();
        RegisterLock.Dispose();
        _loadLock.Dispose();
    }
}
