using Kdumpd.Core.Loading;
using Kdumpd.Core.Reload;

namespace Kdumpd.Daemon.Hosting;

/// <summary>
/// The reload coordinator's hands: a probe is one planning pass over the live host plus the kernel's
/// own word on what is loaded; a reload is one load call through <see cref="PanicKernelService"/>,
/// which records the generation with the plan JSON and header bytes. Each probe plans with the
/// configuration in force (<see cref="LiveConfiguration"/>).
/// </summary>
public sealed class DaemonReloadTarget(
    LiveConfiguration configuration,
    PanicKernelService loading,
    CrashHotplugReader crashHotplug,
    DaemonState state,
    Serilog.ILogger log) : IReloadTarget
{
    /// <summary>A pass slower than this is logged at Information (at boot it sits between start and armed).</summary>
    private static readonly TimeSpan _slowPass = TimeSpan.FromSeconds(1);

    private readonly Serilog.ILogger _log = log.ForContext<DaemonReloadTarget>();
    private int _timingsLogged;

    public async ValueTask<PlanProbe> ProbeAsync(CancellationToken cancellationToken)
    {
        // A changed configuration file is read (and, when valid, applied) before the pass plans with it.
        configuration.ReloadIfFileChanged("configuration file changed");
        var planning = configuration.Planning;
        var planned = planning.PlanNow();
        LogTimings(planned);
        state.SetPlan(planned);
        // One reading per pass: the kexec files and crash_hotplug come from the planner's snapshot.
        var kernel = loading.StateOf(planned.Host.Kexec);
        var latest = loading.Store.LatestLoaded();
        var loaded = kernel.IsLoaded;
        var hotplug = loaded
            ? await crashHotplug.ConfirmAsync(planned.Host.Memory?.CrashHotplug, planned.Host.Cpus.CrashHotplug, planned.Host.Kexec.IsLoaded, cancellationToken)
            : CrashHotplugSupport.None;

        // What the loaded image matches: the plan of the last successful load, or the plan recorded
        // after the kernel itself rewrote the header on hotplug.
        var loadedFingerprint = !loaded ? null : state.RecordedFingerprint ?? latest?.PlanFingerprint;
        return new PlanProbe(
            planned.Plan.Fingerprint,
            loadedFingerprint,
            loaded,
            latest?.Interface == "kexec_file_load",
            hotplug,
            kernel.LoadsLeft); // the coordinator keeps the last kexec_load_limit_panic units from hotplug churn
    }

    private void LogTimings(PlannedHost planned)
    {
        if (planned.Timings is not { } t)
        {
            return;
        }

        var image = planned.Image?.OwnInitrd is { } own ? own.Reused ? "kdumpd's initrd reused" : "kdumpd's initrd built" : "initrd as found";

        // The first plan of a start is on the path to arming at boot: always said, like a slow one.
        var first = Interlocked.Exchange(ref _timingsLogged, 1) == 0;
        _log.Write(
            first || t.Total >= _slowPass ? Serilog.Events.LogEventLevel.Information : Serilog.Events.LogEventLevel.Debug,
            "Planned in {PlanMs} ms: host read {HostReadMs} ms, capture image {ImageMs} ms ({Image}), plan {BuildMs} ms",
            (long)t.Total.TotalMilliseconds, (long)t.HostRead.TotalMilliseconds, (long)t.CaptureImage.TotalMilliseconds, image, (long)t.Plan.TotalMilliseconds);
    }

    public async ValueTask<ReloadResult> ReloadAsync(ReloadRequest request, CancellationToken cancellationToken)
    {
        var (planned, json, _) = state.Plan;
        if (planned is null || planned.Plan.Fingerprint != request.Probe.Fingerprint)
        {
            planned = configuration.Planning.PlanNow();
            json = state.SetPlan(planned);
        }

        var triggers = request.Burst.CountsByLabel
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => p.Value == 1 ? p.Key : $"{p.Key}×{p.Value}")
            .Append($"reason: {request.Reason}")
            .ToList();
        var planning = configuration.Planning;
        var intent = new ArmIntent(
            triggers,
            OperatorRequested: request.Burst.Kinds.Contains(ReloadTriggerKind.Explicit),
            Plan: planned.Summary(json),
            Purpose: request.Purpose,
            Image: planned.Image,
            PlanIn: layout =>
            {
                var asLoaded = planning.InLayout(planned, layout);
                return asLoaded.Summary(state.SetPlan(asLoaded));
            });
        var result = await loading.ArmAsync(intent, cancellationToken);
        if (result.Succeeded)
        {
            state.RecordedFingerprint = null;
            configuration.FollowLoader(result.Generation.Loader);
            return ReloadResult.Loaded(result.Generation.PlanFingerprint ?? planned.Plan.Fingerprint, result.Generation.Number);
        }

        return new ReloadResult(false, result.StateAfter.IsLoaded, null, result.Generation.Number,
            result.Generation.Error ?? result.Generation.Outcome.ToString());
    }

    public ValueTask RecordPlanAsync(ReloadRequest request, CancellationToken cancellationToken)
    {
        state.RecordedFingerprint = request.Probe.Fingerprint;
        return ValueTask.CompletedTask;
    }
}
