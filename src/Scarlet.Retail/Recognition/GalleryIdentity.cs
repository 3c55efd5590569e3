using System.Globalization;

namespace Scarlet.Retail;

/// <summary>Gallery identities of customers: a customer's <see cref="Customer.VectorId"/> as an invariant decimal string.</summary>
internal static class GalleryIdentity
{
    public static string Of(long vectorId) => vectorId.ToString(CultureInfo.InvariantCulture);

    /// <summary>The customer an identity stands for, or <see langword="null"/> (erased, or not a customer's identity).</summary>
    public static async Task<Customer?> CustomerOfAsync(CustomerService customers, string organizationId, string identityId, CancellationToken cancellationToken) =>
        long.TryParse(identityId, NumberStyles.Integer, CultureInfo.InvariantCulture, out var vectorId)
            ? await customers.GetByVectorIdAsync(organizationId, vectorId, cancellationToken).ConfigureAwait(false)
            : null;
}
