using System.Reactive.Linq;
using Microsoft.Extensions.Logging;
using Scarlet.Recognition;
using Scarlet.Retail.Events;

namespace Scarlet.Retail;

/// <summary>
/// Keeps the galleries in step with the customer store from the event stream: this host's enrolments, assignments and
/// merges inline (the gallery changes before <c>Publish</c> returns, so a registering caller can identify at once);
/// another host's ones by reading the shared store, in order; erasures from both routes that report them
/// (<see cref="PrivacyService.CustomerErased"/> and the stream event), applied once.
/// </summary>
internal sealed class GalleryReplica : IDisposable
{
    private readonly OrganizationGalleries _galleries;
    private readonly CustomerService _customers;
    private readonly PrivacyService _privacy;
    private readonly RemoteChangeApplier _applier;
    private readonly IDisposable _local;
    private readonly IDisposable _remote;

    public GalleryReplica(OrganizationGalleries galleries, CustomerService customers, PrivacyService privacy, ScarletEventStream stream, ILogger logger)
    {
        _galleries = galleries;
        _customers = customers;
        _privacy = privacy;
        _applier = new RemoteChangeApplier("Gallery replica", logger);
        _local = stream.Subscribe(OnEvent);

        // Another host's enrolments arrive without their embeddings, which stay off the bus; they are read from the shared
        // store, in order. Erasures need no read (OnEvent forgets the index id at once).
        _remote = stream.Events
            .Where(e => e.IsRemote && e is CustomerRegisteredEvent or VisitorAssignedEvent or CustomersMergedEvent)
            .Select(e =>
            {
                // Counted at once, on the publisher's thread: a snapshot written meanwhile must not claim the change.
                var org = _galleries.Find(e.OrganizationId);
                org?.BeginRemote();
                return Observable.FromAsync(ct => ReplicateAsync(e, org, ct));
            })
            .Concat()
            .Subscribe();
        _privacy.CustomerErased += OnErased;
    }

    public void Dispose()
    {
        _privacy.CustomerErased -= OnErased;
        _local.Dispose();
        _remote.Dispose();
    }

    /// <summary>
    /// The kept customer's identity gets exactly the stored embeddings of the merge (both faces, within the cap), and the
    /// merged-away identity leaves; its erasure event follows and only finds the tombstone to set.
    /// </summary>
    private static void Merge(FaceGallery gallery, CustomersMergedEvent merged)
    {
        var into = GalleryIdentity.Of(merged.VectorId);
        gallery.Forget(into);
        if (merged.Embeddings.Count > 0)
        {
            gallery.Import(into, [.. merged.Embeddings.Select(e => e.ToArray())]);
        }

        gallery.Forget(GalleryIdentity.Of(merged.MergedVectorId));
    }

    private static void ImportNew(FaceGallery gallery, string identity, IReadOnlyList<ReadOnlyMemory<float>> embeddings)
    {
        if (gallery.Contains(identity))
        {
            return; // already loaded from the store
        }

        var vectors = new float[embeddings.Count][];
        for (var i = 0; i < vectors.Length; i++)
        {
            vectors[i] = embeddings[i].ToArray();
        }

        gallery.Import(identity, vectors);
    }

    private void OnEvent(ScarletEvent e)
    {
        switch (e)
        {
            case CustomerRegisteredEvent registered when !registered.IsRemote:
                // Also without embeddings: the change's version is applied (there is nothing to enrol).
                _galleries.Apply(registered.OrganizationId, registered.GalleryVersion, g =>
                {
                    if (registered.Embeddings.Count > 0)
                    {
                        ImportNew(g, GalleryIdentity.Of(registered.VectorId), registered.Embeddings);
                    }
                });
                break;
            case VisitorAssignedEvent assigned when !assigned.Centroid.IsEmpty:
                _galleries.Apply(assigned.OrganizationId, assigned.GalleryVersion, g => g.Import(GalleryIdentity.Of(assigned.VectorId), [assigned.Centroid.ToArray()]));
                break;
            case CustomersMergedEvent merged:
                // Another host's merge is complete only once the replica has read the kept embeddings: its version counts then.
                _galleries.Apply(merged.OrganizationId, merged.IsRemote ? OrganizationGallery.Untracked : merged.GalleryVersion, g => Merge(g, merged));
                break;
            case CustomerErasedEvent erased:
                _galleries.Erase(erased.OrganizationId, erased.VectorId, erased.GalleryVersion);
                break;
        }
    }

    private void OnErased(object? sender, CustomerErasedEvent erased) => _galleries.Erase(erased.OrganizationId, erased.VectorId, erased.GalleryVersion);

    private async Task ReplicateAsync(ScarletEvent e, OrganizationGallery? org, CancellationToken cancellationToken)
    {
        try
        {
            await ReplicateAsync(e, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (org is not null)
            {
                org.EndRemote();
                _galleries.SaveLater(org);
            }
        }
    }

    // The shared database away: wait for it (later events queue behind this one, in order) rather than lose the change.
    private Task ReplicateAsync(ScarletEvent e, CancellationToken cancellationToken) =>
        _applier.ApplyAsync(e, ct => ApplyRemoteAsync(e, ct), cancellationToken);

    private async Task ApplyRemoteAsync(ScarletEvent e, CancellationToken cancellationToken)
    {
        switch (e)
        {
            case CustomerRegisteredEvent registered:
                await ReloadIdentityAsync(registered.OrganizationId, registered.CustomerId, registered.VectorId, registered.GalleryVersion, cancellationToken).ConfigureAwait(false);
                break;
            case VisitorAssignedEvent assigned:
                await ReloadIdentityAsync(assigned.OrganizationId, assigned.CustomerId, assigned.VectorId, assigned.GalleryVersion, cancellationToken).ConfigureAwait(false);
                break;
            case CustomersMergedEvent merged:
                await ReloadIdentityAsync(merged.OrganizationId, merged.CustomerId, merged.VectorId, merged.GalleryVersion, cancellationToken).ConfigureAwait(false);
                _galleries.Apply(merged.OrganizationId, merged.GalleryVersion, g => g.Forget(GalleryIdentity.Of(merged.MergedVectorId)));
                break;
        }
    }

    /// <summary>Gives an identity exactly the customer's stored embeddings (none: it leaves), unless it was erased.</summary>
    private async Task ReloadIdentityAsync(string organizationId, string customerId, long vectorId, long version, CancellationToken cancellationToken)
    {
        if (_galleries.Find(organizationId) is not { } org)
        {
            return; // not loaded yet: its first use builds it from the store, which has the change
        }

        var stored = await _customers.GetEmbeddingsAsync(organizationId, customerId, cancellationToken).ConfigureAwait(false);
        var vectors = stored.Where(v => v.VectorId == vectorId).Select(v => v.Vector).ToArray();
        var identity = GalleryIdentity.Of(vectorId);
        _galleries.Apply(organizationId, version, g =>
        {
            if (org.Erased.ContainsKey(vectorId))
            {
                return;
            }

            g.Forget(identity);
            if (vectors.Length > 0)
            {
                g.Import(identity, vectors);
            }

            // An erasure that slipped in between wins.
            if (org.Erased.ContainsKey(vectorId))
            {
                g.Forget(identity);
            }
        });
    }
}
