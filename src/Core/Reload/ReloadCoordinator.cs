using System.Threading.Channels;
using Kdumpd.Core.Host;
using Serilog;

namespace Kdumpd.Core.Reload;

/// <summary>
/// Turns a stream of triggers into as few reloads as correctness allows. Every trigger goes into
/// one channel; a burst ends after <see cref="ReloadCoordinatorOptions.QuietWindow"/> without a
/// new trigger, or <see cref="ReloadCoordinatorOptions.MaxDelay"/> after its first one, whichever
/// comes first. Then one pass: probe, compare fingerprints, and reload once, record the plan only
/// (the kernel rewrote the header itself) or do nothing. Passes never overlap: triggers that
/// arrive during a pass wait in the channel and become exactly one more pass.
/// </summary>
public sealed class ReloadCoordinator : IDisposable
{
    private readonly IReloadTarget _target;
    private readonly ReloadCoordinatorOptions _options;
    private readonly TimeProvider _time;
    private readonly ReloadStats _stats;
    private readonly ILogger _log;
    private readonly Channel<ReloadTrigger> _channel =
        Channel.CreateUnbounded<ReloadTrigger>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = false });
    private readonly Lock _retryLock = new();
    private ITimer? _retryTimer;
    private int _consecutiveFailures;
    private long _pass;
    private int _running;

    public ReloadCoordinator(IReloadTarget target, ReloadCoordinatorOptions options, TimeProvider time, ReloadStats stats, ILogger log)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(stats);
        ArgumentNullException.ThrowIfNull(log);
        options.Validate();
        _target = target;
        _options = options;
        _time = time;
        _stats = stats;
        _log = log.ForContext<ReloadCoordinator>();
    }

    /// <summary>Raised after every pass, on the coordinator's loop (keep handlers short; exceptions are logged and swallowed).</summary>
    public event Action<ReloadPassRecord>? PassCompleted;

    public ReloadStats Stats => _stats;

    public TimeProvider Time => _time;

    /// <summary>The last pass, or null before the first.</summary>
    public ReloadPassRecord? LastPass { get; private set; }

    /// <summary>Queues a trigger. Never blocks; false only after <see cref="Complete"/>.</summary>
    public bool Post(ReloadTrigger trigger)
    {
        ArgumentNullException.ThrowIfNull(trigger);
        if (!_channel.Writer.TryWrite(trigger))
        {
            return false;
        }

        _stats.RecordTriggerPosted();
        return true;
    }

    /// <summary>
    /// An operator's request (API or CLI): queued like any trigger, and completed with the pass
    /// that handled it. <paramref name="force"/> reloads even when nothing changed.
    /// </summary>
    public Task<ReloadPassRecord> RequestReloadAsync(string requestedBy, bool force, CancellationToken cancellationToken) =>
        RequestReloadAsync(requestedBy, force, spendLastLoad: false, cancellationToken);

    /// <param name="spendLastLoad">The operator said --force: the last kexec_load_limit_panic unit may go to this request.</param>
    public async Task<ReloadPassRecord> RequestReloadAsync(string requestedBy, bool force, bool spendLastLoad, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(requestedBy);
        var completion = new TaskCompletionSource<ReloadPassRecord>(TaskCreationOptions.RunContinuationsAsynchronously);
        var trigger = new ReloadTrigger(ReloadTriggerKind.Explicit, _time.GetUtcNow())
        {
            RequestedBy = requestedBy,
            Force = force,
            SpendLastLoad = spendLastLoad,
            Completion = completion,
        };
        if (!Post(trigger))
        {
            throw new InvalidOperationException("the reload coordinator has stopped");
        }

        return await completion.Task.WaitAsync(cancellationToken);
    }

    /// <summary>No more triggers: <see cref="RunAsync"/> finishes the queued ones and returns.</summary>
    public void Complete() => _channel.Writer.TryComplete();

    /// <summary>The loop; runs until cancelled or <see cref="Complete"/>d. Call once.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _running, 1) == 1)
        {
            throw new InvalidOperationException("RunAsync is already running");
        }

        var reader = _channel.Reader;
        ReloadBurst? burst = null;
        try
        {
            while (await reader.WaitToReadAsync(cancellationToken))
            {
                burst = new ReloadBurst();
                while (reader.TryRead(out var trigger))
                {
                    burst.Add(trigger);
                }

                await CollectBurstAsync(burst, cancellationToken);
                var record = await RunPassAsync(burst, cancellationToken);
                Publish(burst, record);
                burst = null;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // shutting down
        }
        finally
        {
            lock (_retryLock)
            {
                _retryTimer?.Dispose();
                _retryTimer = null;
            }

            // Explicit requests caught in a pass cut short, or still queued, learn that it will not run.
            foreach (var waiter in burst?.Waiters ?? [])
            {
                waiter.TrySetCanceled(cancellationToken);
            }

            while (reader.TryRead(out var left))
            {
                left.Completion?.TrySetCanceled(cancellationToken);
            }
        }
    }

    /// <summary>Waits for the burst to go quiet, bounded by the maximum delay after its first trigger.</summary>
    private async Task CollectBurstAsync(ReloadBurst burst, CancellationToken cancellationToken)
    {
        var reader = _channel.Reader;
        // Times come from the triggers themselves, so the window does not stretch when the loop is slow to run.
        var deadline = burst.FirstAt + _options.MaxDelay;
        while (true)
        {
            while (reader.TryRead(out var trigger))
            {
                burst.Add(trigger);
            }

            // The daemon's first pass arms the host: nothing waits for a quiet window while the host may
            // be unarmed. Events arriving meanwhile (boot's coldplug) make the next burst.
            if (burst.Has(ReloadTriggerKind.Startup))
            {
                return;
            }

            var until = Min(burst.LastAt + _options.QuietWindow, deadline);
            var remaining = until - _time.GetUtcNow();
            if (remaining <= TimeSpan.Zero)
            {
                return;
            }

            using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var timeout = Task.Delay(remaining, _time, wait.Token);
            var more = reader.WaitToReadAsync(wait.Token).AsTask();
            var first = await Task.WhenAny(timeout, more);
            await wait.CancelAsync();
            cancellationToken.ThrowIfCancellationRequested();
            if (first == more && !await more)
            {
                return; // completed: run the pass for what is left
            }
        }
    }

    private async Task<ReloadPassRecord> RunPassAsync(ReloadBurst burst, CancellationToken cancellationToken)
    {
        var pass = Interlocked.Increment(ref _pass);
        var summary = burst.ToSummary();
        var startedAt = _time.GetUtcNow();

        PlanProbe probe;
        try
        {
            probe = await _target.ProbeAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return new ReloadPassRecord(pass, summary, startedAt, _time.GetUtcNow(), ReloadOutcome.ProbeFailed,
                "probe failed", null, null, null, null, ex.Message);
        }

        var (action, reason) = Decide(summary, burst.Force, probe, burst.SpendLastLoad);
        var request = new ReloadRequest(pass, probe, summary, reason, PurposeOf(summary, burst.SpendLastLoad));
        switch (action)
        {
            case PassAction.Nothing:
                return new ReloadPassRecord(pass, summary, startedAt, _time.GetUtcNow(), ReloadOutcome.NoChange,
                    reason, probe.LoadedFingerprint, probe.LoadedFingerprint, null, null, null);

            case PassAction.HoldBudget:
                return new ReloadPassRecord(pass, summary, startedAt, _time.GetUtcNow(), ReloadOutcome.BudgetHeld,
                    reason, probe.LoadedFingerprint, probe.LoadedFingerprint, null, null, null);

            case PassAction.RecordPlan:
                try
                {
                    await _target.RecordPlanAsync(request, cancellationToken);
                    return new ReloadPassRecord(pass, summary, startedAt, _time.GetUtcNow(), ReloadOutcome.PlanRecorded,
                        reason, probe.LoadedFingerprint, probe.Fingerprint, null, null, null);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    return new ReloadPassRecord(pass, summary, startedAt, _time.GetUtcNow(), ReloadOutcome.ProbeFailed,
                        reason, probe.LoadedFingerprint, probe.LoadedFingerprint, null, null, "recording the plan failed: " + ex.Message);
                }

            default:
                var reloadStart = _time.GetTimestamp();
                ReloadResult result;
                try
                {
                    result = await _target.ReloadAsync(request, cancellationToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    // The contract says failures are returned; a throw is treated as a failed load of unknown effect.
                    result = ReloadResult.Failed(ex.Message, armedAfter: false);
                }

                var duration = _time.GetElapsedTime(reloadStart);
                return new ReloadPassRecord(pass, summary, startedAt, _time.GetUtcNow(),
                    result.Succeeded ? ReloadOutcome.Reloaded : ReloadOutcome.ReloadFailed,
                    reason, probe.LoadedFingerprint, result.Succeeded ? result.LoadedFingerprint ?? probe.Fingerprint : probe.LoadedFingerprint,
                    duration, result, result.Error);
        }
    }

    /// <summary>The whole decision, in one place; the load-limit part is <see cref="LastLoadUnit"/>, which the loader checks again.</summary>
    internal static (PassAction Action, string Reason) Decide(BurstSummary burst, bool force, PlanProbe probe, bool spendLastLoad = false)
    {
        var (action, reason) = DecideIgnoringBudget(burst, force, probe);
        return action == PassAction.Reload && LastLoadUnit.Refusal(probe.LoadBudget, PurposeOf(burst, spendLastLoad)) is { } refusal
            ? (PassAction.HoldBudget, $"{reason}, but {refusal}")
            : (action, reason);
    }

    /// <summary>
    /// What a pass loads for: churn (hotplug, reconcile, lost uevents, retries) never spends the last units;
    /// an operator's request spends the last one only with --force; anything else (a new kernel, initrd or
    /// configuration, kmsg's header-update failure) is a new image and may.
    /// </summary>
    internal static LoadPurpose PurposeOf(BurstSummary burst, bool spendLastLoad)
    {
        if (burst.Kinds.All(k => k == ReloadTriggerKind.Explicit))
        {
            return spendLastLoad ? LoadPurpose.OperatorForced : LoadPurpose.Operator;
        }

        return burst.Kinds.All(k => k is ReloadTriggerKind.MemoryHotplug or ReloadTriggerKind.CpuHotplug
            or ReloadTriggerKind.PeriodicReconcile or ReloadTriggerKind.UeventsLost or ReloadTriggerKind.RetryAfterFailure)
            ? LoadPurpose.Churn
            : LoadPurpose.NewImage;
    }

    private static (PassAction Action, string Reason) DecideIgnoringBudget(BurstSummary burst, bool force, PlanProbe probe)
    {
        if (force)
        {
            return (PassAction.Reload, burst.Kinds.Contains(ReloadTriggerKind.KmsgCrashHotplugFailure)
                ? "forced: the kernel's own header update failed"
                : "forced by request");
        }

        if (!probe.ImageLoaded)
        {
            return (PassAction.Reload, "no crash image loaded");
        }

        if (probe.LoadedFingerprint == probe.Fingerprint)
        {
            return (PassAction.Nothing, "fingerprint unchanged");
        }

        if (burst.OnlyHotplug && probe.KernelUpdatesHeaderFor(burst.HasMemory, burst.HasCpu))
        {
            return (PassAction.RecordPlan, "kernel updates the header itself (crash_hotplug=1, kexec_file_load)");
        }

        return (PassAction.Reload, probe.LoadedFingerprint is null ? "loaded plan unknown" : "fingerprint changed");
    }

    private void Publish(ReloadBurst burst, ReloadPassRecord record)
    {
        LastPass = record;
        _stats.RecordPass(record);
        Log(record);
        ScheduleRetry(record);
        foreach (var waiter in burst.Waiters)
        {
            waiter.TrySetResult(record);
        }

        try
        {
            PassCompleted?.Invoke(record);
        }
#pragma warning disable CA1031 // a subscriber's bug must not stop the reload loop
        catch (Exception ex)
#pragma warning restore CA1031
        {
            _log.Error(ex, "A PassCompleted handler failed");
        }
    }

    private void Log(ReloadPassRecord r)
    {
        var level = r.Failed || r.Outcome == ReloadOutcome.BudgetHeld ? Serilog.Events.LogEventLevel.Warning : Serilog.Events.LogEventLevel.Information;
        _log.Write(level,
            "Reload pass {Pass}: {EventCount} events [{Events}] over {BurstMs} ms (seq {FirstSeqNum}-{LastSeqNum}) -> {Decision}; fingerprint {FingerprintBefore} -> {FingerprintAfter}; outcome {Outcome}, reload {ReloadMs} ms, generation {Generation}, error {Error}",
            r.Pass, r.Burst.Count, r.Burst.Describe(), (long)(r.Burst.LastAt - r.Burst.FirstAt).TotalMilliseconds,
            r.Burst.FirstSeqNum, r.Burst.LastSeqNum, r.Decision, Short(r.FingerprintBefore), Short(r.FingerprintAfter), r.Outcome,
            r.ReloadDuration is { } d ? (long)d.TotalMilliseconds : null, r.Result?.Generation, r.Error);
    }

    private static string? Short(string? fingerprint) => fingerprint is { Length: > 16 } ? fingerprint[..16] : fingerprint;

    /// <summary>A failed pass is retried with a doubling backoff; any success resets it.</summary>
    private void ScheduleRetry(ReloadPassRecord record)
    {
        lock (_retryLock)
        {
            if (!record.Failed)
            {
                _consecutiveFailures = 0;
                return;
            }

            _consecutiveFailures++;
            var delay = TimeSpan.FromTicks(Math.Min(
                _options.MaxRetryDelay.Ticks,
                _options.RetryDelay.Ticks * (1L << Math.Min(_consecutiveFailures - 1, 20))));
            _retryTimer?.Dispose();
            _retryTimer = _time.CreateTimer(
                _ => Post(new ReloadTrigger(ReloadTriggerKind.RetryAfterFailure, _time.GetUtcNow()) { Detail = $"after pass {record.Pass}: {record.Error}" }),
                null, delay, Timeout.InfiniteTimeSpan);
        }
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    public void Dispose()
    {
        lock (_retryLock)
        {
            _retryTimer?.Dispose();
            _retryTimer = null;
        }
    }

    internal enum PassAction
    {
        Nothing,
        RecordPlan,
        Reload,
        HoldBudget,
    }
}
