using System.Data.Common;
using Scarlet.Retail.Events;

namespace Scarlet.Retail.Storage.Sql;

/// <summary>
/// Where a database writes the events of its state changes: this host's rows of <c>bus_outbox</c> for the topics the
/// cluster's bus carries. Set on the <see cref="SqlDatabase"/> by <see cref="Events.Redis.RedisEventBridge"/> while it runs.
/// </summary>
/// <param name="HostId">The host id the rows are written under.</param>
/// <param name="Topics">The topics that go to the bus.</param>
internal sealed record OutboxEnlistment(string HostId, IReadOnlySet<string> Topics);

/// <summary>
/// The events a state change raises, staged on the calling flow before the change's write so that the database writes
/// them into the outbox table inside the change's own transaction (a transactional outbox): a crash after the commit
/// leaves them to be sent, and a change that rolls back leaves none. The first write transaction on this flow whose
/// result is a <typeparamref name="T"/> takes them; without an outbox on the database nothing is written and
/// <see cref="StagedEvents.Written"/> stays <see langword="null"/> (the caller raises the events as before).
/// </summary>
/// <typeparam name="T">The result of the store's write that raises the events.</typeparam>
/// <param name="raise">Makes the events from the write's result (empty: none).</param>
internal sealed class StagedEvents<T>(Func<T, ScarletEvent[]> raise) : StagedEvents
{
    private protected override ScarletEvent[]? Raise(object? result) => result is T t ? raise(t) : null;
}

/// <summary>The untyped part of <see cref="StagedEvents{T}"/>: the flow's current stage and what the database did with it.</summary>
internal abstract class StagedEvents : IDisposable
{
    private static readonly AsyncLocal<StagedEvents?> s_current = new();
    private readonly StagedEvents? _outer;
    private ScarletEvent[]? _pending;

    private protected StagedEvents()
    {
        _outer = s_current.Value;
        s_current.Value = this;
    }

    /// <summary>Gets the events written in the committed transaction, marked <see cref="ScarletEvent.InOutbox"/>, to be published as they are.</summary>
    public IReadOnlyList<ScarletEvent>? Written { get; private set; }

    /// <inheritdoc/>
    public void Dispose() => s_current.Value = _outer;

    /// <summary>Writes the flow's staged events into <paramref name="outbox"/> in the write's transaction, after its work.</summary>
    /// <returns>The stage written for, to be told of the commit (<see cref="Commit"/>), or <see langword="null"/>.</returns>
    internal static StagedEvents? WriteInTransaction(OutboxEnlistment? outbox, DbConnection conn, DbTransaction tx, object? result)
    {
        if (outbox is null || s_current.Value is not { Written: null } stage || stage.Raise(result) is not { } raised)
        {
            return null;
        }

        // This write is the stage's (even when none of its events goes to the bus): later writes on the flow are not.
        var events = Array.FindAll(raised, e => outbox.Topics.Contains(e.Topic));
        var now = DateTimeOffset.UtcNow;
        foreach (var evt in events)
        {
            SqlBusOutbox.Insert(conn, tx, outbox.HostId, evt, now);
        }

        stage._pending = events; // a retried transaction stages new ones
        return stage;
    }

    /// <summary>After the commit of the write that staged the events: they are in the table now.</summary>
    internal void Commit() => Written = Array.ConvertAll(_pending!, e => e with { InOutbox = true });

    /// <summary>The staged event of type <typeparamref name="TEvent"/> the commit wrote, or <see langword="null"/>.</summary>
    /// <typeparam name="TEvent">Event type.</typeparam>
    /// <returns>The event.</returns>
    public TEvent? WrittenOf<TEvent>()
        where TEvent : ScarletEvent => Written?.OfType<TEvent>().FirstOrDefault();

    /// <returns>The events, or <see langword="null"/> when the write's result is not the stage's.</returns>
    private protected abstract ScarletEvent[]? Raise(object? result);
}
