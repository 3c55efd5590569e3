namespace Scarlet.Retail.Events;

/// <summary>A destination events are delivered to (in-process delegate, signed webhook, later a message bus).</summary>
public interface IEventSink
{
    /// <summary>Gets the sink name, for logs and dead letters.</summary>
    string Name { get; }

    /// <summary>Whether the sink wants the event.</summary>
    /// <param name="evt">The event.</param>
    /// <returns><see langword="true"/> to deliver.</returns>
    bool Accepts(ScarletEvent evt);

    /// <summary>Delivers one event. May throw: the stream logs it and goes on.</summary>
    /// <param name="evt">The event.</param>
    /// <param name="cancellationToken">Cancelled when the sink is detached.</param>
    /// <returns>Completion.</returns>
    Task DeliverAsync(ScarletEvent evt, CancellationToken cancellationToken);
}

/// <summary>An in-process sink that calls a delegate.</summary>
/// <param name="name">Name.</param>
/// <param name="deliver">Delivery delegate.</param>
/// <param name="filter">Filter; all events when <see langword="null"/>.</param>
public sealed class DelegateSink(string name, Func<ScarletEvent, CancellationToken, Task> deliver, Func<ScarletEvent, bool>? filter = null) : IEventSink
{
    /// <inheritdoc/>
    public string Name { get; } = name;

    /// <inheritdoc/>
    public bool Accepts(ScarletEvent evt) => filter?.Invoke(evt) ?? true;

    /// <inheritdoc/>
    public Task DeliverAsync(ScarletEvent evt, CancellationToken cancellationToken) => deliver(evt, cancellationToken);
}
