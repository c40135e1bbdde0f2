using Kdumpd.Core.Host;
using Kdumpd.Core.Planning;

namespace Kdumpd.Core.Loading;

/// <summary>The loading area's configuration, one record validated at start; CLI options override it.</summary>
public sealed record LoadingOptions
{
    public LoaderKind Loader { get; init; } = LoaderKind.Auto;

    /// <summary>Explicit capture kernel/initrd (used as given); null = the distribution's default under the host root.</summary>
    public CaptureImageOptions Image { get; init; } = new();

    public CaptureCommandLineOptions CommandLine { get; init; } = new();

    public KexecToolsOptions KexecTools { get; init; } = new();

    public LoadRetryOptions Retry { get; init; } = new();

    /// <summary>Hash kernel and initrd at every load (tens of MB: milliseconds); readiness compares size+mtime and, when deep, the hash.</summary>
    public bool Sha256OnLoad { get; init; } = true;
}

/// <summary>Per-call overrides (CLI flags, POST /v1/reload body) on top of <see cref="LoadingOptions"/>.</summary>
public sealed record LoadOverrides(string? KernelPath = null, string? InitrdPath = null, string? Append = null, LoaderKind? Loader = null);

/// <summary>
/// Why and how to arm: the overrides, who asked, what triggered it, the plan when the planner is wired, what
/// the load is for (<see cref="LastLoadUnit"/>), and the capture image the plan was made with (located and
/// read once per pass; null = locate now).
/// </summary>
public sealed record ArmIntent(
    IReadOnlyList<string> Triggers,
    bool OperatorRequested = false,
    LoadOverrides? Overrides = null,
    PlanSummary? Plan = null,
    LoadPurpose? Purpose = null,
    CaptureImage? Image = null,
    Func<PlanLayout, PlanSummary>? PlanIn = null);
