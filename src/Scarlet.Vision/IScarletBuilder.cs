using Microsoft.Extensions.DependencyInjection;

namespace Scarlet.Vision;

/// <summary>
/// Returned by every <c>AddScarletX</c> (<c>AddScarletVision</c>, <c>AddScarletRecognition</c>, <c>AddScarletTracking</c>,
/// <c>AddScarletRetail</c>, <c>AddScarlet</c>, ...); each layer adds its own <c>Add…</c> extension to it.
/// </summary>
public interface IScarletBuilder
{
    /// <summary>Gets the service collection being configured.</summary>
    IServiceCollection Services { get; }
}

internal sealed class ScarletBuilder(IServiceCollection services) : IScarletBuilder
{
    public IServiceCollection Services { get; } = services;
}
