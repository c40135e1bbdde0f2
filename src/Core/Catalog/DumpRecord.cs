namespace Kdumpd.Core.Catalog;

/// <summary>One row of the dump catalogue (table `dumps`), as the CLI and the REST API see it.</summary>
public sealed record DumpRecord(
    string Id,
    string Directory,
    string Layout,
    bool Owned,
    string? VmcorePath,
    string? DmesgPath,
    string? Format,
    string? Compression,
    long? FileSize,
    DateTimeOffset? FileMtime,
    string? Sha256,
    DateTimeOffset? Sha256At,
    string? KernelRelease,
    DateTimeOffset? CrashTime,
    string? Hostname,
    int? CpuCount,
    int? DumpLevel,
    string? PanicSummary,
    IReadOnlyList<string> CallTrace,
    bool Complete,
    string? IncompleteReason,
    long? Generation,
    bool? CoversPlan,
    string? HeaderError,
    string? BuildId,
    long? TotalBytes,
    DateTimeOffset FirstSeen,
    DateTimeOffset LastScanned,
    string? Title = null,
    string? Signature = null,
    string? TriageNote = null);

/// <summary>Filters and paging for <see cref="DumpCatalog.List"/>; newest crash first.</summary>
public sealed record DumpQuery(
    DateTimeOffset? Since = null,
    string? KernelRelease = null,
    bool? Complete = null,
    int Offset = 0,
    int Limit = 100,
    string? Signature = null);

/// <summary>All dumps of one crash signature: the group's title, size, first and last crash, and the kernels it was seen on.</summary>
public sealed record CrashGroup(string Signature, string Title, int Count, DateTimeOffset FirstSeen, DateTimeOffset LastSeen, IReadOnlyList<string> KernelReleases);

/// <summary>A page of dumps and the total matching the filters.</summary>
public sealed record DumpPage(IReadOnlyList<DumpRecord> Items, int Total);

/// <summary>What a scan did.</summary>
public sealed record DumpScanResult(int Found, int Added, int Updated, int Unchanged, int Removed, int Unreadable);

/// <summary>A physical range the plan's PT_LOADs say must be in a dump.</summary>
public readonly record struct PhysicalRange(ulong Start, ulong Size);

/// <summary>
/// Retention limits; null = no limit of that kind. <paramref name="Hold"/> names why a dump's local
/// copy must stay whatever the limits say (egress: not yet verified on every target, or uploading),
/// or null when it may go.
/// </summary>
public sealed record RetentionPolicy(int? KeepNewest = null, long? MaxTotalBytes = null, long? MinFreeBytes = null, Func<string, string?>? Hold = null);

/// <summary>What one maintenance pass did.</summary>
public sealed record DumpMaintenanceResult(DumpScanResult Scan, IReadOnlyList<DumpRecord> Deleted, int Hashed);
