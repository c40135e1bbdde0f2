namespace Kdumpd.Core.Reload;

/// <summary>
/// Counters of the watch-and-reload loop, safe to update from the listener, the watchers and the
/// coordinator at once, and to read from a metrics endpoint (<see cref="Snapshot"/>).
/// </summary>
public sealed class ReloadStats
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(string Subsystem, string Action), long> _uevents = [];
    private readonly Dictionary<string, long> _ueventsRejected = new(StringComparer.Ordinal);
    private readonly Dictionary<ReloadOutcome, long> _passes = [];
    private readonly Dictionary<ReloadTriggerKind, long> _reloadsByTrigger = [];
    private readonly Dictionary<string, WatcherStatus> _watchers = new(StringComparer.Ordinal);
    private long _triggersPosted;
    private long _kmsgFailures;
    private DateTimeOffset? _lastReloadAt;
    private TimeSpan? _lastReloadDuration;
    private DateTimeOffset? _lastPassAt;
    private ReloadOutcome? _lastOutcome;
    private bool? _armed;
    private DateTimeOffset? _unarmedSince;
    private TimeSpan _unarmedTotal;

    /// <summary>A parsed kernel uevent, kept or not.</summary>
    public void RecordUevent(string subsystem, string action)
    {
        lock (_lock)
        {
            var key = (subsystem, action);
            _uevents[key] = _uevents.GetValueOrDefault(key) + 1;
        }
    }

    /// <summary>A datagram the parser refused ("UdevMonitorMessage", "Truncated"...).</summary>
    public void RecordUeventRejected(string reason)
    {
        lock (_lock)
        {
            _ueventsRejected[reason] = _ueventsRejected.GetValueOrDefault(reason) + 1;
        }
    }

    public void RecordTriggerPosted() => Interlocked.Increment(ref _triggersPosted);

    public void RecordKmsgFailure() => Interlocked.Increment(ref _kmsgFailures);

    /// <summary>Whether a watcher (netlink, kmsg, files, reconcile) runs, and why not.</summary>
    public void SetWatcher(string name, bool active, string? detail)
    {
        lock (_lock)
        {
            _watchers[name] = new WatcherStatus(active, detail);
        }
    }

    public void RecordPass(ReloadPassRecord pass)
    {
        ArgumentNullException.ThrowIfNull(pass);
        lock (_lock)
        {
            _passes[pass.Outcome] = _passes.GetValueOrDefault(pass.Outcome) + 1;
            _lastPassAt = pass.EndedAt;
            _lastOutcome = pass.Outcome;
            if (pass.Outcome is ReloadOutcome.Reloaded or ReloadOutcome.ReloadFailed)
            {
                foreach (var kind in pass.Burst.Kinds)
                {
                    _reloadsByTrigger[kind] = _reloadsByTrigger.GetValueOrDefault(kind) + 1;
                }

                _lastReloadAt = pass.EndedAt;
                _lastReloadDuration = pass.ReloadDuration;
                // The kernel frees the old crash image inside the load: the load itself is unarmed time.
                if (_armed == true && pass.ReloadDuration is { } duration)
                {
                    _unarmedTotal += duration;
                }
            }

            var armedAfter = pass.Outcome switch
            {
                ReloadOutcome.Reloaded or ReloadOutcome.NoChange or ReloadOutcome.PlanRecorded => true,
                ReloadOutcome.ReloadFailed => pass.Result?.ArmedAfter ?? false,
                _ => _armed,
            };
            SetArmed(armedAfter, pass.EndedAt);
        }
    }

    private void SetArmed(bool? armed, DateTimeOffset at)
    {
        if (armed == false && _unarmedSince is null)
        {
            _unarmedSince = at;
        }
        else if (armed == true && _unarmedSince is { } since)
        {
            _unarmedTotal += at - since;
            _unarmedSince = null;
        }

        _armed = armed;
    }

    /// <summary>A consistent copy of every counter. <paramref name="now"/> closes an open unarmed period.</summary>
    public ReloadStatsSnapshot Snapshot(DateTimeOffset now)
    {
        lock (_lock)
        {
            var unarmed = _unarmedTotal + (_unarmedSince is { } since && now > since ? now - since : TimeSpan.Zero);
            return new ReloadStatsSnapshot(
                _uevents.Select(p => new UeventCount(p.Key.Subsystem, p.Key.Action, p.Value)).OrderBy(c => c.Subsystem, StringComparer.Ordinal).ThenBy(c => c.Action, StringComparer.Ordinal).ToArray(),
                new Dictionary<string, long>(_ueventsRejected, StringComparer.Ordinal),
                Enum.GetValues<ReloadOutcome>().ToDictionary(o => o, o => _passes.GetValueOrDefault(o)),
                Enum.GetValues<ReloadTriggerKind>().ToDictionary(k => k, k => _reloadsByTrigger.GetValueOrDefault(k)),
                Interlocked.Read(ref _triggersPosted),
                Interlocked.Read(ref _kmsgFailures),
                _lastPassAt,
                _lastOutcome,
                _lastReloadAt,
                _lastReloadDuration,
                _armed,
                unarmed,
                new Dictionary<string, WatcherStatus>(_watchers, StringComparer.Ordinal));
        }
    }
}

public readonly record struct UeventCount(string Subsystem, string Action, long Count);

public sealed record WatcherStatus(bool Active, string? Detail);

/// <summary>
/// The counters at one instant, shaped for a Prometheus exposition: kdumpd_uevents_total{subsystem,action},
/// kdumpd_reload_passes_total{outcome}, kdumpd_reloads_total{trigger}, kdumpd_unarmed_seconds_total...
/// </summary>
public sealed record ReloadStatsSnapshot(
    IReadOnlyList<UeventCount> Uevents,
    IReadOnlyDictionary<string, long> UeventsRejected,
    IReadOnlyDictionary<ReloadOutcome, long> PassesByOutcome,
    IReadOnlyDictionary<ReloadTriggerKind, long> ReloadsByTrigger,
    long TriggersPosted,
    long KmsgCrashHotplugFailures,
    DateTimeOffset? LastPassAt,
    ReloadOutcome? LastOutcome,
    DateTimeOffset? LastReloadAt,
    TimeSpan? LastReloadDuration,
    bool? Armed,
    TimeSpan UnarmedTotal,
    IReadOnlyDictionary<string, WatcherStatus> Watchers)
{
    public long NoChangeCount => PassesByOutcome.GetValueOrDefault(ReloadOutcome.NoChange);

    public long ReloadCount => PassesByOutcome.GetValueOrDefault(ReloadOutcome.Reloaded);
}
