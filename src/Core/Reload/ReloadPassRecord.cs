namespace Kdumpd.Core.Reload;

/// <summary>How a pass ended.</summary>
public enum ReloadOutcome
{
    /// <summary>The fingerprint matched the loaded plan: nothing to do.</summary>
    NoChange,

    /// <summary>The kernel rewrote the header itself (crash hotplug): the plan was recorded, no load call.</summary>
    PlanRecorded,

    /// <summary>One load call succeeded.</summary>
    Reloaded,

    /// <summary>The load call failed (see <see cref="ReloadPassRecord.Error"/>).</summary>
    ReloadFailed,

    /// <summary>Re-reading the host or planning failed; nothing was loaded.</summary>
    ProbeFailed,

    /// <summary>
    /// A reload was due but would spend the last kexec_load_limit_panic units on hotplug churn (or
    /// none are left): held for an operator or a kernel/initrd/config change. The loaded header is stale.
    /// </summary>
    BudgetHeld,
}

/// <summary>Everything one pass saw and did: what the structured log line, the metrics and the API report.</summary>
public sealed record ReloadPassRecord(
    long Pass,
    BurstSummary Burst,
    DateTimeOffset StartedAt,
    DateTimeOffset EndedAt,
    ReloadOutcome Outcome,
    string Decision,
    string? FingerprintBefore,
    string? FingerprintAfter,
    TimeSpan? ReloadDuration,
    ReloadResult? Result,
    string? Error)
{
    public bool Failed => Outcome is ReloadOutcome.ReloadFailed or ReloadOutcome.ProbeFailed;
}
