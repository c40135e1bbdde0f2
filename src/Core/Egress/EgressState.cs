namespace Kdumpd.Core.Egress;

/// <summary>Where a dump stands on one target.</summary>
public enum EgressState
{
    Pending,
    Uploading,
    Verified,
    Failed,
}

public static class EgressStateNames
{
    public static string ToName(this EgressState state) => state switch
    {
        EgressState.Pending => "pending",
        EgressState.Uploading => "uploading",
        EgressState.Verified => "verified",
        EgressState.Failed => "failed",
        _ => throw new ArgumentOutOfRangeException(nameof(state)),
    };

    public static EgressState Parse(string name) => name switch
    {
        "pending" => EgressState.Pending,
        "uploading" => EgressState.Uploading,
        "verified" => EgressState.Verified,
        "failed" => EgressState.Failed,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "unknown egress state"),
    };
}

/// <summary>One dump on one target, as the catalogue records it.</summary>
public sealed record EgressStatus(
    string DumpId,
    string Target,
    EgressState State,
    long BytesDone,
    long? BytesTotal,
    long BytesSent,
    string? Location,
    string? Reason,
    int Attempts,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? VerifiedAt);
