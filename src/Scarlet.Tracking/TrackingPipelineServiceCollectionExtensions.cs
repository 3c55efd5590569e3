using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Scarlet.Recognition;
using Scarlet.Tracking;
using Scarlet.Tracking.CrossCamera;
using Scarlet.Tracking.Identity;
using Scarlet.Tracking.Pipeline;
using Scarlet.Vision;
using Scarlet.Vision.Models;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the camera pipelines.</summary>
public static class TrackingPipelineServiceCollectionExtensions
{
    /// <summary>
    /// Registers validated <see cref="CameraPipelineHostOptions"/> (checked on start), the shared
    /// <see cref="CameraPipelineModels"/> (person detector from the vision layer, re-ID on the shared session cache),
    /// <see cref="CrossCameraResolver"/>, <see cref="IdentityTracker"/> (pruned by a hosted service every
    /// <see cref="IdentityTrackerOptions.PruneInterval"/>) and a <see cref="CameraPipelineHost"/> with the
    /// configured cameras added (not started), on the vision layer (<c>AddScarletVision</c>, added when missing); faces are identified when <c>AddScarletRecognition</c> registered a <see cref="FaceRecognizer"/>.
    /// </summary>
    /// <param name="builder">The builder returned by an <c>AddScarletX</c>.</param>
    /// <returns>The builder.</returns>
    public static IScarletBuilder AddCameraPipelines(this IScarletBuilder builder) => AddCameraPipelinesCore(builder, null, null);

    /// <summary>Adds the camera pipelines (<see cref="AddCameraPipelines(IScarletBuilder)"/>) with their options bound from a configuration section.</summary>
    /// <param name="builder">The builder returned by an <c>AddScarletX</c>.</param>
    /// <param name="section">The section whose keys are <see cref="CameraPipelineHostOptions"/>' properties (<c>People</c>, <c>CrossCamera</c>, <c>Cameras</c>, ...).</param>
    /// <returns>The builder.</returns>
    public static IScarletBuilder AddCameraPipelines(this IScarletBuilder builder, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(section);
        return AddCameraPipelinesCore(builder, section, null);
    }

    /// <summary>Adds the camera pipelines (<see cref="AddCameraPipelines(IScarletBuilder)"/>) with their options set by an action.</summary>
    /// <param name="builder">The builder returned by an <c>AddScarletX</c>.</param>
    /// <param name="configure">Changes the options.</param>
    /// <returns>The builder.</returns>
    public static IScarletBuilder AddCameraPipelines(this IScarletBuilder builder, Action<CameraPipelineHostOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        return AddCameraPipelinesCore(builder, null, configure);
    }

    private static IScarletBuilder AddCameraPipelinesCore(IScarletBuilder builder, IConfiguration? section, Action<CameraPipelineHostOptions>? configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddScarletOptions<CameraPipelineHostOptions, HostOptionsValidator>(section, configure);
        services.AddScarletVision();
        services.TryAddSingleton(sp => new CrossCameraResolver(
            sp.GetRequiredService<IOptions<CameraPipelineHostOptions>>().Value.Topology,
            sp.GetRequiredService<IOptions<CameraPipelineHostOptions>>().Value.CrossCamera));
        services.TryAddSingleton(sp => new IdentityTracker(sp.GetRequiredService<IOptions<CameraPipelineHostOptions>>().Value.People));
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, IdentityTrackerPruner>());
        services.TryAddSingleton(sp =>
        {
            var o = sp.GetRequiredService<IOptions<CameraPipelineHostOptions>>().Value;
            IReIdEmbedder? reId = null;
            if (o.Cameras.Any(c => c.EnableReId))
            {
                var path = sp.GetRequiredService<ModelLocator>().Resolve(o.ReIdModel);
                reId = new OsNetReIdEmbedder(sp.GetRequiredService<InferenceSessionCache>().Get(path));
            }

            FaceModels? faces = null;
            if (o.Cameras.Any(c => c.EnableFaces) && sp.GetService<FaceRecognizer>() is { } recognizer)
            {
                faces = new FaceModels(sp.GetRequiredService<IFaceDetector>(), recognizer);
            }

            return new CameraPipelineModels(sp.GetRequiredService<IPersonDetector>(), reId, faces);
        });
        services.TryAddSingleton(sp =>
        {
            var o = sp.GetRequiredService<IOptions<CameraPipelineHostOptions>>().Value;
            var host = new CameraPipelineHost(
                sp.GetRequiredService<CameraPipelineModels>(),
                sp.GetRequiredService<CrossCameraResolver>(),
                sp.GetRequiredService<IdentityTracker>(),
                sp.GetService<ILoggerFactory>(),
                sp.GetService<TimeProvider>());
            foreach (var c in o.Cameras)
            {
                host.Add(c);
            }

            return host;
        });
        return builder;
    }

    private sealed class HostOptionsValidator : IValidateOptions<CameraPipelineHostOptions>
    {
        public ValidateOptionsResult Validate(string? name, CameraPipelineHostOptions options)
        {
            ArgumentNullException.ThrowIfNull(options);
            var errors = options.Validate();
            return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
        }
    }
}
