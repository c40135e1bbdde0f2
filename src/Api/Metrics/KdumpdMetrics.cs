using Prometheus;

namespace Kdumpd.Api.Metrics;

/// <summary>
/// The Prometheus exposition. Gauges and cumulative counters are refreshed from one
/// <see cref="MetricsSnapshot"/> right before each scrape; reload durations are observed as they
/// happen so the histogram sees every reload. A private registry keeps test hosts independent.
/// </summary>
public sealed class KdumpdMetrics
{
    private readonly Func<MetricsSnapshot> _snapshot;
    private readonly Gauge _loaded;
    private readonly Gauge _ready;
    private readonly Gauge _reservation;
    private readonly Gauge _planRanges;
    private readonly Gauge _dumps;
    private readonly Gauge _dumpBytes;
    private readonly Gauge _lastCapture;
    private readonly Gauge _budget;
    private readonly Counter _unarmed;
    private readonly Counter _uevents;
    private readonly Counter _reloads;
    private readonly Histogram _reloadDuration;
    private readonly Counter _egressBytes;
    private readonly Counter _egressUploads;

    public KdumpdMetrics(Func<MetricsSnapshot> snapshot)
    {
        _snapshot = snapshot;
        Registry = Prometheus.Metrics.NewCustomRegistry();
        var f = Prometheus.Metrics.WithCustomRegistry(Registry);
        _loaded = f.CreateGauge("kdumpd_crash_kernel_loaded", "1 when the kernel reports a panic kernel loaded (/sys/kernel/kexec_crash_loaded).");
        _ready = f.CreateGauge("kdumpd_ready", "1 when every readiness check passes: armed with the right kernel, files unchanged, room for the next dump.");
        _reservation = f.CreateGauge("kdumpd_crash_reservation_bytes", "Size of the crash kernel reservation.");
        _planRanges = f.CreateGauge("kdumpd_plan_segments", "Program headers in the active plan's ELF core header.", "type");
        _dumps = f.CreateGauge("kdumpd_dumps", "Catalogued dumps by state.", "state");
        _dumpBytes = f.CreateGauge("kdumpd_dump_bytes", "Bytes used by catalogued vmcore files.");
        _lastCapture = f.CreateGauge("kdumpd_last_capture_timestamp_seconds", "Crash time of the newest catalogued dump, Unix seconds.");
        _budget = f.CreateGauge("kdumpd_kexec_load_budget_remaining", "Crash loads left under kernel.kexec_load_limit_panic; +Inf when unlimited.");
        _unarmed = f.CreateCounter("kdumpd_unarmed_seconds_total", "Seconds the host spent without a loaded panic kernel around reloads.");
        _uevents = f.CreateCounter("kdumpd_uevents_total", "Kernel uevents seen for memory and cpu devices.", "subsystem", "action");
        _reloads = f.CreateCounter("kdumpd_reloads_total", "Reload passes by outcome and trigger kind.", "outcome", "trigger");
        _reloadDuration = f.CreateHistogram("kdumpd_reload_duration_seconds", "Duration of panic kernel loads.",
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.01, 2, 12) });
        _egressBytes = f.CreateCounter("kdumpd_egress_bytes_total", "Bytes sent to each egress target, resends included.", "target");
        _egressUploads = f.CreateCounter("kdumpd_egress_uploads_total", "Dump uploads by egress target and outcome (verified, failed).", "target", "outcome");
        Registry.AddBeforeCollectCallback(Refresh);
    }

    public CollectorRegistry Registry { get; }

    public void ObserveReload(TimeSpan duration) => _reloadDuration.Observe(duration.TotalSeconds);

    public async Task WriteAsync(Stream output, CancellationToken cancellationToken) =>
        await Registry.CollectAndExportAsTextAsync(output, cancellationToken);

    private void Refresh()
    {
        var s = _snapshot();
        _loaded.Set(s.CrashKernelLoaded ? 1 : 0);
        _ready.Set(s.Ready ? 1 : 0);
        _reservation.Set(s.ReservationBytes);
        _planRanges.WithLabels("load").Set(s.PlanLoadRanges);
        _planRanges.WithLabels("note").Set(s.PlanNotes);
        _dumps.WithLabels("complete").Set(s.DumpsComplete);
        _dumps.WithLabels("incomplete").Set(s.DumpsIncomplete);
        _dumpBytes.Set(s.DumpBytes);
        _lastCapture.Set(s.LastCapture?.ToUnixTimeMilliseconds() / 1000.0 ?? 0);
        _budget.Set(s.LoadBudgetRemaining ?? double.PositiveInfinity);
        _unarmed.IncTo(s.UnarmedSecondsTotal);
        foreach (var ((subsystem, action), count) in s.Uevents)
        {
            _uevents.WithLabels(subsystem, action).IncTo(count);
        }

        foreach (var ((outcome, trigger), count) in s.Reloads)
        {
            _reloads.WithLabels(outcome, trigger).IncTo(count);
        }

        foreach (var (target, bytes) in s.EgressBytes)
        {
            _egressBytes.WithLabels(target).IncTo(bytes);
        }

        foreach (var ((target, outcome), count) in s.EgressOutcomes)
        {
            _egressUploads.WithLabels(target, outcome).IncTo(count);
        }
    }
}
