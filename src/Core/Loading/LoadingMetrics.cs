using System.Diagnostics;
using System.Diagnostics.Metrics;
using Kdumpd.Core.Catalog;

namespace Kdumpd.Core.Loading;

/// <summary>
/// The loader's instruments on the "Kdumpd.Loading" meter, fed from every recorded generation; the
/// daemon's /metrics exporter subscribes to the meter by name. The kexec_load_limit_panic budget is a
/// gauge read fresh from sysfs by the exporter (see <see cref="KexecSysfs"/>), not a cached number.
/// </summary>
public static class LoadingMetrics
{
    public const string MeterName = "Kdumpd.Loading";

    private static readonly Meter _meter = new(MeterName);

    private static readonly Counter<long> _attempts = _meter.CreateCounter<long>(
        "kdumpd.loader.generations", unit: "{generation}", description: "Load and unload attempts by action, outcome and loader");

    private static readonly Counter<long> _kernelCalls = _meter.CreateCounter<long>(
        "kdumpd.loader.attempts", unit: "{call}", description: "Loader calls including retries");

    private static readonly Histogram<double> _duration = _meter.CreateHistogram<double>(
        "kdumpd.loader.duration", unit: "ms", description: "Time of a load or unload including retries");

    private static readonly Histogram<double> _unarmed = _meter.CreateHistogram<double>(
        "kdumpd.loader.unarmed", unit: "ms", description: "Upper bound of the time the host had no panic kernel around a load");

    public static void Observe(GenerationRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var tags = new TagList
        {
            { "action", GenerationStore.ActionName(record.Action) },
            { "outcome", GenerationStore.OutcomeName(record.Outcome) },
            { "loader", record.Loader },
        };
        _attempts.Add(1, tags);
        _kernelCalls.Add(record.Attempts, tags);
        if (record.DurationMs is { } duration)
        {
            _duration.Record(duration, tags);
        }

        if (record.UnarmedMs is { } unarmed)
        {
            _unarmed.Record(unarmed, tags);
        }
    }
}
