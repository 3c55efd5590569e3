namespace Scarlet.Retail;

/// <summary>A record asked for does not exist in the organisation.</summary>
public sealed class RetailNotFoundException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="RetailNotFoundException"/> class.</summary>
    /// <param name="kind">Kind of record (customer, visitor, ...).</param>
    /// <param name="id">Its id.</param>
    public RetailNotFoundException(string kind, string id)
        : base($"{kind} '{id}' not found.")
    {
        Kind = kind;
        Id = id;
    }

    /// <summary>Gets the kind of record.</summary>
    public string Kind { get; }

    /// <summary>Gets the id asked for.</summary>
    public string Id { get; }
}

/// <summary>A record with the same key (id, e-mail) already exists in the organisation.</summary>
public sealed class DuplicateEntityException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="DuplicateEntityException"/> class.</summary>
    /// <param name="message">What is duplicated.</param>
    /// <param name="inner">The store error.</param>
    public DuplicateEntityException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}

/// <summary>
/// A shared backend (the PostgreSQL database, the Redis bus) cannot be reached now. Nothing was stored; the same call
/// may succeed once it is back (hosts answer 503 with <c>Retry-After</c>).
/// </summary>
public sealed class StoreUnavailableException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="StoreUnavailableException"/> class.</summary>
    /// <param name="message">What is unreachable.</param>
    /// <param name="inner">The driver's error.</param>
    public StoreUnavailableException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
