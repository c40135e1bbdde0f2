using Kdumpd.Core.Reload;

namespace Kdumpd.Core.Tests.Reload;

/// <summary>
/// A host in memory: the fingerprint it needs now, what is loaded, and what crash_hotplug says.
/// Reloads load exactly the probed plan, as the real loader will.
/// </summary>
internal sealed class FakeReloadTarget : IReloadTarget
{
    private int _probes;
    private int _reloads;
    private int _records;

    public string HostFingerprint { get; set; } = "fp-1";

    public string? LoadedFingerprint { get; set; } = "fp-1";

    public bool ImageLoaded { get; set; } = true;

    public bool LoadedWithKexecFileLoad { get; set; } = true;

    public CrashHotplugSupport CrashHotplug { get; set; } = CrashHotplugSupport.None;

    public Exception? ProbeFailure { get; set; }

    /// <summary>kexec_load_limit_panic as the kernel counts it: null = unlimited, decremented by every load.</summary>
    public int? LoadBudget { get; set; }

    /// <summary>When set, a reload waits for it: lets a test post triggers while a reload runs.</summary>
    public TaskCompletionSource? ReloadGate { get; set; }

    public TaskCompletionSource ReloadStarted { get; private set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public List<ReloadRequest> Reloads { get; } = [];

    public List<ReloadRequest> Records { get; } = [];

    public int ProbeCount => Volatile.Read(ref _probes);

    public int ReloadCount => Volatile.Read(ref _reloads);

    public int RecordCount => Volatile.Read(ref _records);

    public ValueTask<PlanProbe> ProbeAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _probes);
        if (ProbeFailure is { } failure)
        {
            throw failure;
        }

        return ValueTask.FromResult(new PlanProbe(HostFingerprint, ImageLoaded ? LoadedFingerprint : null, ImageLoaded, LoadedWithKexecFileLoad, CrashHotplug, LoadBudget));
    }

    public async ValueTask<ReloadResult> ReloadAsync(ReloadRequest request, CancellationToken cancellationToken)
    {
        lock (Reloads)
        {
            Reloads.Add(request);
        }

        var generation = Interlocked.Increment(ref _reloads);
        LoadBudget--;
        ReloadStarted.TrySetResult();
        if (ReloadGate is { } gate)
        {
            await gate.Task.WaitAsync(cancellationToken);
        }

        LoadedFingerprint = request.Probe.Fingerprint;
        ImageLoaded = true;
        LoadedWithKexecFileLoad = true;
        return ReloadResult.Loaded(request.Probe.Fingerprint, generation);
    }

    public ValueTask RecordPlanAsync(ReloadRequest request, CancellationToken cancellationToken)
    {
        lock (Records)
        {
            Records.Add(request);
        }

        Interlocked.Increment(ref _records);
        LoadedFingerprint = request.Probe.Fingerprint;
        return ValueTask.CompletedTask;
    }
}
