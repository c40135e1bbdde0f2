namespace Kdumpd.Core.Egress;

/// <summary>Why an upload to a target failed, as far as retrying is concerned.</summary>
public enum EgressFailure
{
    /// <summary>Network, timeout, a server error: retried with backoff.</summary>
    Transient,

    /// <summary>The target's copy does not hash to kdumpd's SHA-256: sent again.</summary>
    VerificationMismatch,

    /// <summary>The SSH host presented a key other than the pinned one: never retried by itself.</summary>
    HostKeyMismatch,

    /// <summary>Wrong key pair, user or private key: never retried by itself.</summary>
    Authentication,

    /// <summary>The target refused the data (full, read-only, no such bucket, forbidden).</summary>
    Refused,

    /// <summary>A local file of the dump cannot be read.</summary>
    LocalFile,
}

/// <summary>An upload failure that names the target, what happened and what to do.</summary>
public sealed class EgressException : Exception
{
    public EgressException(string target, EgressFailure failure, string message, Exception? inner = null)
        : base($"egress target '{target}': {message}", inner)
    {
        Target = target;
        Failure = failure;
    }

    public EgressException()
        : this("", EgressFailure.Transient, "")
    {
    }

    public EgressException(string message)
        : this("", EgressFailure.Transient, message)
    {
    }

    public EgressException(string message, Exception inner)
        : this("", EgressFailure.Transient, message, inner)
    {
    }

    public string Target { get; } = "";

    public EgressFailure Failure { get; }
}
