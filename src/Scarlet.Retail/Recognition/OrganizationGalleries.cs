using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Scarlet.Recognition;

namespace Scarlet.Retail;

/// <summary>
/// The gallery cache: one <see cref="FaceGallery"/> per organisation, loaded on first use from its snapshot when the
/// snapshot was taken at the store's current gallery version, else built from the customer store; changed only through
/// <see cref="Apply"/> and <see cref="Erase"/> (which order themselves against the load and track the store versions
/// applied). Snapshots are written after a load from the store, after an erasure (at once: a face must not outlive its
/// erasure on disk), otherwise at most once per <see cref="FaceIdentityOptions.SnapshotDelay"/> and at shutdown.
/// </summary>
internal sealed class OrganizationGalleries : IDisposable
{
    private readonly ConcurrentDictionary<string, OrganizationGallery> _galleries = new(StringComparer.Ordinal);
    private readonly FaceGallery _template;
    private readonly CustomerService _customers;
    private readonly TimeSpan _snapshotDelay;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private bool _disposed;

    public OrganizationGalleries(FaceGallery template, CustomerService customers, GallerySnapshots snapshots, TimeSpan snapshotDelay, TimeProvider time, ILogger logger)
    {
        _template = template;
        _customers = customers;
        Snapshots = snapshots;
        _snapshotDelay = snapshotDelay;
        _time = time;
        _logger = logger;
    }

    public GallerySnapshots Snapshots { get; }

    /// <summary>Gets an organisation's gallery, loading it on first use.</summary>
    public async Task<OrganizationGallery> GetAsync(string organizationId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(organizationId);
        var org = _galleries.GetOrAdd(organizationId, New);
        await org.EnsureLoadedAsync(LoadAsync, cancellationToken).ConfigureAwait(false);
        return org;
    }

    /// <summary>Gets the organisation's current gallery if it was created (loaded or loading), else <see langword="null"/>.</summary>
    public OrganizationGallery? Find(string organizationId) => _galleries.TryGetValue(organizationId, out var org) ? org : null;

    /// <summary>Builds an organisation's gallery again from the store (never from a snapshot) and puts it in place of the old one.</summary>
    public async Task<int> RebuildAsync(string organizationId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(organizationId);
        var fresh = New(organizationId);
        await fresh.EnsureLoadedAsync((org, ct) => BuildFromStoreAsync(org, ct), cancellationToken).ConfigureAwait(false);
        if (_galleries.TryGetValue(organizationId, out var old))
        {
            // Erasures seen by the old gallery stay erased; the old one is not disposed (identifications may still use it).
            foreach (var id in old.Erased.Keys)
            {
                fresh.Erased.TryAdd(id, 0);
                fresh.Gallery.Forget(GalleryIdentity.Of(id));
            }
        }

        _galleries[organizationId] = fresh;
        SaveNow(fresh);
        return fresh.Gallery.IdentityCount;
    }

    /// <summary>
    /// Applies the change of store version <paramref name="version"/> to a loaded gallery, or queues it behind a load in
    /// progress; a gallery not yet created is left alone (its first use loads a state that has the change).
    /// </summary>
    public void Apply(string organizationId, long version, Action<FaceGallery> change)
    {
        if (!_galleries.TryGetValue(organizationId, out var org))
        {
            return;
        }

        lock (org.Sync)
        {
            if (!org.IsLoaded)
            {
                org.Pending.Add((version, change));
                return;
            }

            Run(org, change);
            org.Applied(version);
        }

        ScheduleSave(org);
    }

    /// <summary>Erases a customer's identity at once, even while its gallery loads (the tombstone keeps the load from adding it).</summary>
    /// <returns><see langword="false"/> when this erasure was already handled (it arrives by two routes).</returns>
    public bool Erase(string organizationId, long vectorId, long version)
    {
        var org = _galleries.GetOrAdd(organizationId, New);
        if (!org.Erased.TryAdd(vectorId, 0))
        {
            return false;
        }

        bool loaded;
        lock (org.Sync)
        {
            org.Gallery.Forget(GalleryIdentity.Of(vectorId));
            loaded = org.IsLoaded;
            if (loaded)
            {
                org.Applied(version);
            }
            else
            {
                org.Pending.Add((version, static _ => { }));
            }
        }

        if (loaded)
        {
            SaveNow(org);
        }
        else if (Snapshots.PathOf(org.OrganizationId) is { } path && File.Exists(path))
        {
            // A snapshot from an earlier run may still hold the face: load the gallery now (the erasure moved the store's
            // version past the snapshot's, so it is built from the store), which rewrites the snapshot.
            _ = Task.Run(async () =>
            {
                try
                {
                    await org.EnsureLoadedAsync(LoadAsync, CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    _logger.LogError(ex, "Gallery of organisation {Org} could not be rebuilt after an erasure", org.OrganizationId);
                }
            });
        }

        return true;
    }

    /// <summary>Writes the snapshot of every gallery changed since its last one (at shutdown).</summary>
    public void SaveChanged()
    {
        foreach (var org in _galleries.Values)
        {
            if (org.IsLoaded && org.Dirty)
            {
                SaveNow(org);
            }
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _stopping.Cancel();
        SaveChanged();
        foreach (var g in _galleries.Values)
        {
            g.Dispose();
        }

        _stopping.Dispose();
    }

    private OrganizationGallery New(string organizationId) =>
        new(organizationId, new FaceGallery(_template.Dimension, _template.ModelId, _template.Options));

    private void Run(OrganizationGallery org, Action<FaceGallery> change)
    {
        try
        {
            change(org.Gallery);
        }
        catch (ArgumentException ex)
        {
            // Embeddings of another model or dimension (e.g. written by another tool) cannot join this gallery.
            _logger.LogWarning(ex, "Embeddings not added to the gallery of organisation {Org}", org.OrganizationId);
        }
    }

    /// <summary>The first load: the snapshot when it was taken at the store's current version, else the store.</summary>
    private async Task LoadAsync(OrganizationGallery org, CancellationToken cancellationToken)
    {
        if (Snapshots.Enabled)
        {
            var watch = Stopwatch.StartNew();
            var version = await _customers.GetGalleryVersionAsync(org.OrganizationId, cancellationToken).ConfigureAwait(false);
            if (Snapshots.TryRead(org.OrganizationId, version, _template) is { } loaded)
            {
                Complete(org, version, loaded, []);
                _logger.LogInformation("Face gallery of organisation {Org} loaded from its snapshot at store version {Version} in {Ms} ms: {Identities} customers", org.OrganizationId, version, watch.ElapsedMilliseconds, org.Gallery.IdentityCount);
                return;
            }
        }

        await BuildFromStoreAsync(org, cancellationToken).ConfigureAwait(false);
    }

    private async Task BuildFromStoreAsync(OrganizationGallery org, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();

        // The version first: a change committed between the two reads is then in the gallery but not in its version, so
        // a snapshot of it can only claim too little (and is not used), never more than it holds.
        var version = await _customers.GetGalleryVersionAsync(org.OrganizationId, cancellationToken).ConfigureAwait(false);
        var stored = await _customers.ListEmbeddingsAsync(org.OrganizationId, cancellationToken).ConfigureAwait(false);
        var byVector = new Dictionary<long, List<float[]>>();
        foreach (var s in stored)
        {
            if (!byVector.TryGetValue(s.VectorId, out var list))
            {
                byVector[s.VectorId] = list = [];
            }

            list.Add(s.Vector);
        }

        Complete(org, version, null, byVector);
        SaveNow(org);
        _logger.LogInformation("Face gallery of organisation {Org} built from the store at version {Version} in {Ms} ms: {Identities} customers, {Embeddings} embeddings", org.OrganizationId, version, watch.ElapsedMilliseconds, org.Gallery.IdentityCount, org.Gallery.EmbeddingCount);
    }

    /// <summary>Puts the loaded contents in place, then the erasures and changes that arrived meanwhile, and opens the gallery.</summary>
    private void Complete(OrganizationGallery org, long version, FaceGallery? loaded, Dictionary<long, List<float[]>> stored)
    {
        lock (org.Sync)
        {
            org.LoadedAt(version, loaded);
            foreach (var vectorId in org.Erased.Keys)
            {
                org.Gallery.Forget(GalleryIdentity.Of(vectorId));
            }

            foreach (var (vectorId, vectors) in stored)
            {
                if (!org.Erased.ContainsKey(vectorId))
                {
                    Run(org, g => g.Import(GalleryIdentity.Of(vectorId), vectors));
                }
            }

            foreach (var (v, change) in org.Pending)
            {
                Run(org, change);
                org.Applied(v);
            }

            org.Pending.Clear();
            org.Dirty = org.Dirty && loaded is not null;
            org.IsLoaded = true;
        }
    }

    /// <summary>Writes a changed gallery's snapshot later (after the snapshot delay), or now with no delay.</summary>
    public void SaveLater(OrganizationGallery org)
    {
        if (org.Dirty)
        {
            ScheduleSave(org);
        }
    }

    private void ScheduleSave(OrganizationGallery org)
    {
        if (!Snapshots.Enabled)
        {
            return;
        }

        if (_snapshotDelay <= TimeSpan.Zero)
        {
            SaveNow(org);
            return;
        }

        lock (org.Sync)
        {
            if (org.SaveScheduled || _disposed)
            {
                return;
            }

            org.SaveScheduled = true;
        }

        _ = SaveLaterAsync(org);
    }

    private async Task SaveLaterAsync(OrganizationGallery org)
    {
        try
        {
            await Task.Delay(_snapshotDelay, _time, _stopping.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return; // shutting down: Dispose writes what changed
        }
        finally
        {
            lock (org.Sync)
            {
                org.SaveScheduled = false;
            }
        }

        SaveNow(org);
    }

    /// <summary>
    /// Writes the snapshot at the version the gallery is a faithful copy of (under the gallery's lock, so no change slips
    /// between the two); a gallery that applied a change without a version has no version to vouch for: its snapshot goes.
    /// </summary>
    private void SaveNow(OrganizationGallery org)
    {
        if (!Snapshots.Enabled)
        {
            return;
        }

        lock (org.Sync)
        {
            if (org.RemoteInFlight)
            {
                // Half of another host's change (a merge without its kept embeddings yet) may be in: the old snapshot
                // goes (it may hold an erased face), the new one is written when the replica has finished (SaveLater).
                Snapshots.Delete(org.OrganizationId);
                return;
            }

            if (org.HasUnversionedChange)
            {
                Snapshots.Delete(org.OrganizationId);
            }
            else
            {
                Snapshots.Save(org, org.Version);
            }

            org.Dirty = false;
        }
    }
}
