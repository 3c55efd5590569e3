using Microsoft.Extensions.Options;
using Scarlet.Recognition;
using Scarlet.Vision;
using Scarlet.Vision.Models;

namespace Scarlet.WebHost;

/// <summary>
/// The host's face attribute estimator (age, gender, emotion; docs/models.md): on when <c>Scarlet:Attributes:Enabled</c>
/// is true, off when false, and when unset on exactly when the converted models are in the models cache
/// (scripts/models/fetch-human-models.sh). Loaded on first use; owns the estimator. Statistics: docs/privacy.md.
/// </summary>
internal sealed class FaceAttributesFeature : IDisposable
{
    private readonly Lazy<OnnxFaceAttributeEstimator?> _estimator;

    public FaceAttributesFeature(ModelLocator locator, IConfiguration config, IOptions<VisionOptions> vision, ILogger<FaceAttributesFeature> logger)
    {
        var enabled = config.GetValue<bool?>("Scarlet:Attributes:Enabled");
        OnProcessFrame = config.GetValue("Scarlet:Attributes:ProcessFrame", true);
        var options = new FaceAttributeOptions();
        config.GetSection("Scarlet:Attributes").Bind(options);
        _estimator = new(() =>
        {
            if (enabled == false)
            {
                return null;
            }

            try
            {
                return new OnnxFaceAttributeEstimator(locator, options, vision.Value.Inference);
            }
            catch (ModelNotFoundException ex) when (enabled is null)
            {
                logger.LogInformation("Face attributes off: {Reason}", ex.Message);
                return null;
            }
        });
    }

    /// <summary>
    /// Gets whether <c>/process-frame</c> counts its faces' attributes (<c>Scarlet:Attributes:ProcessFrame</c>, default
    /// true): about one faceres run per face in the request, so a latency-bound edge deployment may turn it off.
    /// </summary>
    public bool OnProcessFrame { get; }

    /// <summary>Gets the estimator, or <see langword="null"/> when attributes are off.</summary>
    public IFaceAttributeEstimator? Estimator => _estimator.Value;

    public void Dispose()
    {
        if (_estimator.IsValueCreated)
        {
            _estimator.Value?.Dispose();
        }
    }
}
