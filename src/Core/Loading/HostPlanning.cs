using System.Diagnostics;
using Kdumpd.Core.Host;
using Kdumpd.Core.Planning;

namespace Kdumpd.Core.Loading;

/// <summary>The host as read now, the plan for it, and the capture image the plan was made with.</summary>
/// <param name="Image">The located capture kernel/initrd; null when none was found (<paramref name="ImageProblem"/> says why).</param>
public sealed record PlannedHost(HostSnapshot Host, CrashPlan Plan, CaptureImage? Image, string CaptureCommandLine, string? ImageProblem)
{
    /// <summary>Where the pass spent its time (null for a plan not made by <see cref="HostPlanning.PlanNow"/>).</summary>
    public PlanTimings? Timings { get; init; }

    /// <summary>The small view of the plan the loader records and checks the budget against (the budget says itself when it is too small).</summary>
    public PlanSummary Summary(string? planJson) => new(
        Plan.Fingerprint,
        Plan.Budget,
        [.. Plan.Findings.Where(f => f.Severity != FindingSeverity.Info && f.Code != CrashPlanner.ReservationTooSmall).Select(f => f.Message)],
        planJson,
        Plan.WriteHeader(),
        Plan.Layout);
}

/// <summary>A planning pass's stages: reading the host, locating (building, hashing) the capture image, planning.</summary>
public sealed record PlanTimings(TimeSpan HostRead, TimeSpan CaptureImage, TimeSpan Plan)
{
    public TimeSpan Total => HostRead + CaptureImage + Plan;
}

/// <summary>
/// One planning pass over the live host: read the snapshot, find the capture kernel and initrd,
/// build the capture command line, plan. The same function serves `kdumpd plan`, the reload
/// coordinator's probe and the API, so they can never disagree about the fingerprint.
/// </summary>
public sealed class HostPlanning(HostRoot root, LoadingOptions loading, PlanLayout layout, ArchProfile? profile = null)
{
    public HostRoot Root { get; } = root;

    public PlanLayout Layout { get; } = layout;

    /// <summary>The header layout a loader produces: kexec-tools writes its own, everything else gets the kernel's.</summary>
    public static PlanLayout LayoutFor(LoaderKind loader) =>
        loader == LoaderKind.KexecTools ? PlanLayout.KexecTools : PlanLayout.KexecFile;

    /// <summary>
    /// The layout to plan for <paramref name="configured"/> on a host whose last successful load was made by
    /// <paramref name="lastLoadedBy"/>: <c>auto</c> loads with kexec_file_load, except on a kernel that refused it
    /// and made it fall back to kexec-tools (it will again), so the plan models the header really loaded.
    /// </summary>
    public static PlanLayout LayoutFor(LoaderKind configured, string? lastLoadedBy) =>
        configured == LoaderKind.Auto && lastLoadedBy == LoaderKind.KexecTools.Name() ? PlanLayout.KexecTools : LayoutFor(configured);

    /// <summary>
    /// One pass. <paramref name="buildOwnInitrd"/> false (a read-only view such as `kdumpd status`) plans with
    /// the capture initrd last built instead of building one.
    /// </summary>
    public PlannedHost PlanNow(bool buildOwnInitrd = true)
    {
        var started = Stopwatch.GetTimestamp();
        var snapshot = HostReader.Read(Root);
        var commandLine = CaptureCommandLine.Build(snapshot.CommandLine ?? string.Empty, loading.CommandLine);
        var read = Stopwatch.GetElapsedTime(started);

        CaptureImage? image = null;
        string? problem = null;
        try
        {
            image = new CaptureImageLocator(Root).Locate(loading.Image with { BuildOwnInitrd = buildOwnInitrd });
        }
        catch (CaptureImageException e)
        {
            problem = e.Message;
        }

        var located = Stopwatch.GetElapsedTime(started);
        var plan = CrashPlanner.Plan(snapshot, OptionsFor(Layout, image, commandLine));
        return new PlannedHost(snapshot, plan, image, commandLine, problem)
        {
            Timings = new PlanTimings(read, located - read, Stopwatch.GetElapsedTime(started) - located),
        };
    }

    /// <summary>The same pass's plan in another header layout (the loader that really loaded writes that one); nothing is read again.</summary>
    public PlannedHost InLayout(PlannedHost planned, PlanLayout layout)
    {
        ArgumentNullException.ThrowIfNull(planned);
        return planned.Plan.Layout == layout
            ? planned
            : planned with { Plan = CrashPlanner.Plan(planned.Host, OptionsFor(layout, planned.Image, planned.CaptureCommandLine)) };
    }

    private PlanOptions OptionsFor(PlanLayout layout, CaptureImage? image, string commandLine) => new()
    {
        Layout = layout,
        Profile = profile,
        CaptureKernel = image?.KernelIdentity,
        CaptureInitrd = image?.InitrdIdentity,
        CaptureCommandLine = commandLine,
    };
}
