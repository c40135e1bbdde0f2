using Kdumpd.Core.Reload;

namespace Kdumpd.Bench;

/// <summary>
/// The dry-run loader in memory: every probe finds a changed plan (so every pass reloads) and a
/// reload only remembers the fingerprint. What remains is the coordinator's own cost.
/// </summary>
public sealed class DryRunReloadTarget : IReloadTarget
{
    private long _probes;
    private string _loaded = "fp-0";

    public ValueTask<PlanProbe> ProbeAsync(CancellationToken cancellationToken) =>
        ValueTask.FromResult(new PlanProbe($"fp-{Interlocked.Increment(ref _probes)}", _loaded, true, true, CrashHotplugSupport.None));

    public ValueTask<ReloadResult> ReloadAsync(ReloadRequest request, CancellationToken cancellationToken)
    {
        _loaded = request.Probe.Fingerprint;
        return ValueTask.FromResult(ReloadResult.Loaded(_loaded, request.Pass));
    }

    public ValueTask RecordPlanAsync(ReloadRequest request, CancellationToken cancellationToken)
    {
        _loaded = request.Probe.Fingerprint;
        return ValueTask.CompletedTask;
    }
}
