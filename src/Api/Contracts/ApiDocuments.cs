namespace Kdumpd.Api.Contracts;

// The REST API's documents. They are the public contract: the daemon maps its Core state onto
// them, so Core can change shape without breaking operators' scripts.

public sealed record StatusDocument(
    string KernelRelease,
    bool Loaded,
    bool Ready,
    IReadOnlyList<string> NotReadyReasons,
    ReservationDocument Reservation,
    GenerationDocument? ActiveGeneration,
    PlanSummaryDocument? Plan,
    ReloadDocument? LastReload,
    IReadOnlyList<WatcherDocument> Watchers,
    DumpCountsDocument Dumps,
    long? LoadBudgetRemaining,
    CrashHotplugDocument CrashHotplug);

/// <summary>
/// Whether the kernel rewrites the crash header itself on memory/CPU hotplug
/// (<c>/sys/devices/system/{memory,cpu}/crash_hotplug</c>); null when the file is absent.
/// </summary>
public sealed record CrashHotplugDocument(bool? Memory, bool? Cpu);

public sealed record ReservationDocument(long Bytes, IReadOnlyList<RangeDocument> Ranges);

public sealed record RangeDocument(string Start, string End, long Bytes);

public sealed record PlanSummaryDocument(
    string Fingerprint,
    string Layout,
    int Loads,
    int Notes,
    long HeaderBytes,
    IReadOnlyList<FindingDocument> Findings);

public sealed record FindingDocument(string Severity, string Code, string Message);

public sealed record GenerationDocument(
    long Number,
    DateTimeOffset StartedAt,
    IReadOnlyList<string> Triggers,
    string Loader,
    string Outcome,
    string? Error,
    string? PlanFingerprint,
    string? KernelRelease,
    string? KernelPath,
    string? KernelSha256,
    string? InitrdPath,
    string? InitrdSha256,
    string? CommandLine,
    double? DurationMs,
    double? UnarmedMs,
    long? LoadBudgetLeft);

public sealed record ReloadDocument(
    DateTimeOffset At,
    string Outcome,
    IReadOnlyList<string> Triggers,
    long? Generation,
    string? FingerprintBefore,
    string? FingerprintAfter,
    double DurationMs,
    string? Error);

public sealed record WatcherDocument(string Name, string State, string? Detail);

public sealed record DumpCountsDocument(int Total, int Complete, int Incomplete, long Bytes);

public sealed record DumpDocument(
    string Id,
    string Directory,
    string Layout,
    bool Owned,
    string? Format,
    string? Compression,
    long? FileSize,
    string? Sha256,
    string? KernelRelease,
    DateTimeOffset? CrashTime,
    string? Hostname,
    int? CpuCount,
    int? DumpLevel,
    string? PanicSummary,
    bool Complete,
    string? IncompleteReason,
    long? Generation,
    bool? CoversPlan,
    string? HeaderError,
    bool HasVmcore,
    bool HasDmesg,
    IReadOnlyList<string> CallTrace,
    string? Title = null,
    string? Signature = null,
    string? TriageNote = null,
    IReadOnlyList<EgressDocument>? Egress = null);

/// <summary>A dump on one egress target: pending, uploading (bytes done), verified (location), failed (reason).</summary>
public sealed record EgressDocument(
    string Target,
    string State,
    long BytesDone,
    long? BytesTotal,
    string? Location,
    string? Reason,
    int Attempts,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? VerifiedAt);

public sealed record DumpPage(IReadOnlyList<DumpDocument> Items, int Total, int Offset, int Limit);

public sealed record DumpQuery(DateTimeOffset? Since, string? KernelRelease, bool? Complete, int Offset, int Limit, string? Signature = null);

/// <summary>One crash group: every dump whose crash has this signature.</summary>
public sealed record CrashGroupDocument(string Signature, string Title, int Count, DateTimeOffset FirstSeen, DateTimeOffset LastSeen, IReadOnlyList<string> KernelReleases);

/// <summary>Crash groups, the most recently seen first.</summary>
public sealed record CrashGroupsDocument(IReadOnlyList<CrashGroupDocument> Items, int Total);

public enum DumpFileKind
{
    Vmcore,
    Dmesg,
}

/// <summary>A file the catalogue vouches for: the only paths a download may reach.</summary>
/// <param name="Root">The dump directory: the file is opened beneath it, never through a link out of it.</param>
public sealed record DumpFile(string Path, string DownloadName, string ContentType, string? Sha256, string Root);

public sealed record ReadinessDocument(bool Ready, IReadOnlyList<CheckDocument> Checks);

public sealed record CheckDocument(string Name, bool Ok, string Detail);

/// <summary>Who the presented token is and what it may do: the dashboard shows only what the roles allow.</summary>
public sealed record IdentityDocument(string Name, IReadOnlyList<string> Roles);

public sealed record ActionResultDocument(string Outcome, long? Generation, string Message)
{
    /// <summary>Set with the outcome "throttled": when the next operator reload is admitted.</summary>
    public int? RetryAfterSeconds { get; init; }
}

public sealed record DeleteResult(bool Found, bool Deleted, string Message);
