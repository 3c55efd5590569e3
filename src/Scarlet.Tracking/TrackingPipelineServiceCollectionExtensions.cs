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
    /// configured cameras added (not started). Needs <c>AddScarletVision</c>; faces are identified when <c>AddScarletRecognition</c> registered a <see cref="FaceRecognizer"/>.
    /// </summary>
    public static IScarletBuilder AddCameraPipelines(this IScarletBuilder builder, Action<CameraPipelineHostOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        var options = services.AddOptions<CameraPipelineHostOptions>().ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CameraPipelineHostOptions>, HostOptionsValidator>());
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
