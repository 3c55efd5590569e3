using static Scarlet.Retail.Storage.Sql.SqlDatabase;

namespace Scarlet.Retail.Storage.Sql;

/// <summary>SQL (SQLite or PostgreSQL) <see cref="IPossibleDuplicateStore"/>: both customer columns cascade on erasure.</summary>
/// <param name="db">The database.</param>
public sealed class SqlPossibleDuplicateStore(SqlDatabase db) : IPossibleDuplicateStore
{
    /// <inheritdoc/>
    public Task AddAsync(PossibleDuplicate pair, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pair);
        ArgumentException.ThrowIfNullOrWhiteSpace(pair.CustomerId, nameof(pair));
        ArgumentException.ThrowIfNullOrWhiteSpace(pair.ExistingCustomerId, nameof(pair));
        if (string.Equals(pair.CustomerId, pair.ExistingCustomerId, StringComparison.Ordinal))
        {
            throw new ArgumentException("A customer cannot be a duplicate of itself.", nameof(pair));
        }

        return db.WriteAsync(
            (c, tx) =>
            {
                // Customer ids are unique across organisations, so the foreign keys alone would accept a pair from another one.
                foreach (var id in (string[])[pair.CustomerId, pair.ExistingCustomerId])
                {
                    if (Scalar(c, tx, "SELECT COUNT(*) FROM customers WHERE org_id = @org AND id = @id", ("@org", pair.OrganizationId), ("@id", id)) == 0)
                    {
                        throw new RetailNotFoundException("customer", id);
                    }
                }

                return Execute(
                    c,
                    """
                    INSERT INTO possible_duplicates(org_id, customer_id, existing_customer_id, similarity, flagged_at) VALUES (@org, @c, @e, @s, @t)
                    ON CONFLICT(org_id, customer_id, existing_customer_id) DO UPDATE SET similarity = CASE WHEN excluded.similarity > possible_duplicates.similarity THEN excluded.similarity ELSE possible_duplicates.similarity END,
                                                                                       flagged_at = CASE WHEN excluded.flagged_at > possible_duplicates.flagged_at THEN excluded.flagged_at ELSE possible_duplicates.flagged_at END
                    """,
                    tx,
                    ("@org", pair.OrganizationId),
                    ("@c", pair.CustomerId),
                    ("@e", pair.ExistingCustomerId),
                    ("@s", pair.Similarity),
                    ("@t", ToUnixMs(pair.FlaggedAt)));
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<PossibleDuplicate>> ListAsync(string organizationId, CancellationToken cancellationToken = default) =>
        db.ReadAsync<IReadOnlyList<PossibleDuplicate>>(
            c => Query(
                c,
                null,
                "SELECT org_id, customer_id, existing_customer_id, similarity, flagged_at FROM possible_duplicates WHERE org_id = @org ORDER BY flagged_at DESC, similarity DESC, customer_id, existing_customer_id",
                r => new PossibleDuplicate(r.GetString(0), r.GetString(1), r.GetString(2), r.GetFloat(3), FromUnixMs(r.GetInt64(4))),
                ("@org", organizationId)),
            cancellationToken);
}
