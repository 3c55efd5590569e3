namespace Scarlet.Retail;

/// <summary>
/// Two customers of one organisation whose faces resemble each other (a lookalike registration): kept for an admin to
/// review, and to merge when they are one person. Ids and a similarity only, never names or faces.
/// </summary>
/// <param name="OrganizationId">Organisation.</param>
/// <param name="CustomerId">The customer registered last (the one flagged).</param>
/// <param name="ExistingCustomerId">The customer it resembles.</param>
/// <param name="Similarity">The highest cosine similarity between the new customer's faces and the existing one's.</param>
/// <param name="FlaggedAt">When the pair was flagged.</param>
public sealed record PossibleDuplicate(string OrganizationId, string CustomerId, string ExistingCustomerId, float Similarity, DateTimeOffset FlaggedAt);

/// <summary>A flagged pair with both customers, as an admin reviews it.</summary>
/// <param name="Customer">The customer registered last.</param>
/// <param name="ExistingCustomer">The customer it resembles.</param>
/// <param name="Similarity">The cosine similarity of their faces.</param>
/// <param name="FlaggedAt">When the pair was flagged.</param>
public sealed record PossibleDuplicatePair(Customer Customer, Customer ExistingCustomer, float Similarity, DateTimeOffset FlaggedAt);

/// <summary>What a store hands the merge policy, read inside the merge's transaction.</summary>
/// <param name="From">The customer merged away.</param>
/// <param name="Into">The customer kept.</param>
/// <param name="FromEmbeddings">Face embeddings of <paramref name="From"/>, oldest first.</param>
/// <param name="IntoEmbeddings">Face embeddings of <paramref name="Into"/>, oldest first.</param>
public sealed record CustomerMergeInput(Customer From, Customer Into, IReadOnlyList<float[]> FromEmbeddings, IReadOnlyList<float[]> IntoEmbeddings);

/// <summary>What the merge policy decided: the kept customer's fields and face embeddings.</summary>
/// <param name="Customer">The kept customer as it is to be stored (same id, organisation and index id as the input's <c>Into</c>).</param>
/// <param name="Embeddings">Its face embeddings after the merge, oldest first (they replace both customers' embeddings).</param>
public sealed record CustomerMergePlan(Customer Customer, IReadOnlyList<float[]> Embeddings);

/// <summary>The result of merging one customer into another.</summary>
/// <param name="Customer">The kept customer after the merge.</param>
/// <param name="MergedCustomer">The customer merged away, as it was before (it no longer exists).</param>
/// <param name="PurchasesMoved">Purchases moved to the kept customer.</param>
/// <param name="VisitsMoved">Visits moved to the kept customer.</param>
/// <param name="DetectionsMoved">Detection records moved to the kept customer.</param>
/// <param name="Embeddings">The kept customer's face embeddings after the merge, oldest first.</param>
/// <param name="Erasure">The erasure of the merged-away customer.</param>
public sealed record CustomerMergeResult(Customer Customer, Customer MergedCustomer, int PurchasesMoved, int VisitsMoved, int DetectionsMoved, IReadOnlyList<float[]> Embeddings, ErasureResult Erasure);
