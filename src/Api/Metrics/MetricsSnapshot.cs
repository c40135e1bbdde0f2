namespace Kdumpd.Api.Metrics;

/// <summary>What a scrape reads from the daemon's live state; filled by the host, not by HTTP code.</summary>
public sealed record MetricsSnapshot
{
    public bool CrashKernelLoaded { get; init; }

    public bool Ready { get; init; }

    public long ReservationBytes { get; init; }

    public int PlanLoadRanges { get; init; }

    public int PlanNotes { get; init; }

    public int DumpsComplete { get; init; }

    public int DumpsIncomplete { get; init; }

    public long DumpBytes { get; init; }

    public DateTimeOffset? LastCapture { get; init; }

    public double UnarmedSecondsTotal { get; init; }

    /// <summary>kexec_load_limit_panic units left; null when unlimited or unknown.</summary>
    public long? LoadBudgetRemaining { get; init; }

    /// <summary>Uevents seen, by (subsystem, action).</summary>
    public IReadOnlyDictionary<(string Subsystem, string Action), long> Uevents { get; init; } =
        new Dictionary<(string, string), long>();

    /// <summary>Reload passes, by (outcome, trigger kind).</summary>
    public IReadOnlyDictionary<(string Outcome, string Trigger), long> Reloads { get; init; } =
        new Dictionary<(string, string), long>();

    /// <summary>Bytes put on the wire per egress target, resends included.</summary>
    public IReadOnlyDictionary<string, long> EgressBytes { get; init; } = new Dictionary<string, long>();

    /// <summary>Dump uploads per (target, outcome: verified | failed).</summary>
    public IReadOnlyDictionary<(string Target, string Outcome), long> EgressOutcomes { get; init; } =
        new Dictionary<(string, string), long>();
}
