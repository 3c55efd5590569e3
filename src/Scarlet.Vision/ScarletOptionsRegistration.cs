using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// The one way every <c>AddScarletX</c> registers its options (the higher layers reach it
/// through InternalsVisibleTo): bound from a configuration
/// section and/or configured by an action, in that order, checked by one <see cref="IValidateOptions{TOptions}"/> when
/// the host starts (<c>ValidateOnStart</c>), so a bad value stops the host instead of the first frame.
/// </summary>
internal static class ScarletOptionsRegistration
{
    /// <summary>Registers <typeparamref name="TOptions"/> with its validator; either source may be <see langword="null"/>.</summary>
    public static void AddScarletOptions<TOptions, TValidator>(this IServiceCollection services, IConfiguration? section, Action<TOptions>? configure)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        ArgumentNullException.ThrowIfNull(services);
        var builder = services.AddOptions<TOptions>();
        if (section is not null)
        {
            builder.Bind(section);
        }

        if (configure is not null)
        {
            builder.Configure(configure);
        }

        builder.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TOptions>, TValidator>());
    }
}
