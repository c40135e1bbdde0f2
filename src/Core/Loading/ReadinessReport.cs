using Kdumpd.Core.Catalog;
using Kdumpd.Core.Host;

namespace Kdumpd.Core.Loading;

/// <summary>One named readiness check: ok or not, and a sentence saying why.</summary>
public sealed record ReadinessCheck(string Name, bool Ok, string Detail);

/// <summary>
/// "Armed with the right thing": every check must pass for <see cref="Ready"/>. Served by /readyz,
/// GET /v1/status and `kdumpd status` (exit 0 ready, 3 not).
/// </summary>
public sealed record ReadinessReport(
    bool Ready,
    IReadOnlyList<ReadinessCheck> Checks,
    CrashKernelState State,
    GenerationRecord? ActiveGeneration,
    GenerationRecord? LatestGeneration,
    string? RunningRelease,
    DateTimeOffset CheckedAt)
{
    public const string Loaded = "loaded";
    public const string Generation = "generation";
    public const string KernelRelease = "kernel-release";
    public const string FilesUnchanged = "files-unchanged";
    public const string Reservation = "reservation";
    public const string LastLoad = "last-load";
    public const string NoCompetingTool = "no-competing-tool";

    /// <summary>The failing checks' details, for "why not ready".</summary>
    public IReadOnlyList<string> Problems => [.. Checks.Where(c => !c.Ok).Select(c => $"{c.Name}: {c.Detail}")];
}
