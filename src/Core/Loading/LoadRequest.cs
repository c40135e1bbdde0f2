using Kdumpd.Core.Host;
using Kdumpd.Core.Planning;

namespace Kdumpd.Core.Loading;

/// <summary>
/// One request to arm the host: which capture kernel and initrd (real file paths, already resolved under the
/// host root), the full capture command line, how to load it and why. <see cref="OperatorRequested"/> is true
/// only for an explicit operator action (CLI <c>kdumpd load</c>, POST /v1/reload): only such a request may
/// spend the last unit of kexec_load_limit_panic. <see cref="KernelIdentity"/>/<see cref="InitrdIdentity"/>: the images
/// as the locator read them (size, footprint, SHA-256), so the loader reads neither again; null = read them at load.
/// </summary>
public sealed record LoadRequest(
    string KernelPath,
    string? InitrdPath,
    string CommandLine,
    LoaderKind Loader = LoaderKind.Auto,
    bool OnCrash = true,
    bool OperatorRequested = false,
    IReadOnlyList<string>? Triggers = null,
    PlanSummary? Plan = null,
    string? KernelRelease = null,
    LoadPurpose? Purpose = null,
    CaptureImageIdentity? KernelIdentity = null,
    CaptureImageIdentity? InitrdIdentity = null,
    Func<PlanLayout, PlanSummary>? PlanIn = null)
{
    public IReadOnlyList<string> TriggerList => Triggers ?? [];

    /// <summary>For <see cref="LastLoadUnit"/>: as given, else an operator's request may spend the last unit and an automatic one never.</summary>
    public LoadPurpose LimitPurpose => Purpose ?? LoadPurposes.From(OperatorRequested);
}

/// <summary>A request to unload the panic kernel; it spends a load-limit unit like a load.</summary>
public sealed record UnloadRequest(
    LoaderKind Loader = LoaderKind.Auto,
    bool OperatorRequested = false,
    IReadOnlyList<string>? Triggers = null)
{
    public LoadPurpose LimitPurpose => LoadPurposes.From(OperatorRequested);
}

internal static class LoadPurposes
{
    /// <summary>A root operator's `kdumpd load`/`unload` may spend the last unit; an automatic call never.</summary>
    public static LoadPurpose From(bool operatorRequested) => operatorRequested ? LoadPurpose.OperatorForced : LoadPurpose.Churn;
}
