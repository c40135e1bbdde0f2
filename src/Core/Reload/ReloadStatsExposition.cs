using System.Globalization;

namespace Kdumpd.Core.Reload;

/// <summary>
/// Writes a <see cref="ReloadStatsSnapshot"/> in the Prometheus text exposition format (0.0.4), so
/// the /metrics endpoint only concatenates. Metric names are kdumpd_* and stable.
/// </summary>
public static class ReloadStatsExposition
{
    public static void Write(ReloadStatsSnapshot stats, TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(stats);
        ArgumentNullException.ThrowIfNull(writer);

        Family(writer, "kdumpd_uevents_total", "counter", "Kernel uevents received, by subsystem and action.");
        foreach (var c in stats.Uevents)
        {
            Sample(writer, "kdumpd_uevents_total", c.Count, ("subsystem", c.Subsystem), ("action", c.Action));
        }

        Family(writer, "kdumpd_uevents_rejected_total", "counter", "Datagrams refused: udev re-broadcasts and malformed messages.");
        foreach (var (reason, count) in stats.UeventsRejected.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            Sample(writer, "kdumpd_uevents_rejected_total", count, ("reason", reason));
        }

        Family(writer, "kdumpd_reload_passes_total", "counter", "Reload passes, by outcome.");
        foreach (var (outcome, count) in stats.PassesByOutcome)
        {
            Sample(writer, "kdumpd_reload_passes_total", count, ("outcome", Snake(outcome.ToString())));
        }

        Family(writer, "kdumpd_reloads_total", "counter", "Load calls, by the kinds of trigger in the burst that caused them.");
        foreach (var (kind, count) in stats.ReloadsByTrigger)
        {
            Sample(writer, "kdumpd_reloads_total", count, ("trigger", ReloadTrigger.KindLabel(kind)));
        }

        Family(writer, "kdumpd_reload_triggers_total", "counter", "Triggers posted to the reload coordinator.");
        Sample(writer, "kdumpd_reload_triggers_total", stats.TriggersPosted);
        Family(writer, "kdumpd_kmsg_crash_hotplug_failures_total", "counter", "Kernel 'crash hp:' failures seen in /dev/kmsg.");
        Sample(writer, "kdumpd_kmsg_crash_hotplug_failures_total", stats.KmsgCrashHotplugFailures);

        if (stats.LastReloadAt is { } last)
        {
            Family(writer, "kdumpd_last_reload_timestamp_seconds", "gauge", "When the last load call ended (Unix time).");
            Sample(writer, "kdumpd_last_reload_timestamp_seconds", last.ToUnixTimeMilliseconds() / 1000.0);
        }

        if (stats.LastReloadDuration is { } duration)
        {
            Family(writer, "kdumpd_last_reload_duration_seconds", "gauge", "How long the last load call took.");
            Sample(writer, "kdumpd_last_reload_duration_seconds", duration.TotalSeconds);
        }

        if (stats.Armed is { } armed)
        {
            Family(writer, "kdumpd_armed", "gauge", "1 when a crash image is loaded, as of the last pass.");
            Sample(writer, "kdumpd_armed", armed ? 1 : 0);
        }

        Family(writer, "kdumpd_unarmed_seconds_total", "counter", "Time without a loaded crash image, load calls included.");
        Sample(writer, "kdumpd_unarmed_seconds_total", stats.UnarmedTotal.TotalSeconds);

        Family(writer, "kdumpd_watcher_up", "gauge", "1 when a watcher (netlink uevents, files, kmsg, reconcile) runs.");
        foreach (var (name, status) in stats.Watchers.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            Sample(writer, "kdumpd_watcher_up", status.Active ? 1 : 0, ("watcher", name));
        }
    }

    private static void Family(TextWriter w, string name, string type, string help)
    {
        w.Write("# HELP ");
        w.Write(name);
        w.Write(' ');
        w.WriteLine(help);
        w.Write("# TYPE ");
        w.Write(name);
        w.Write(' ');
        w.WriteLine(type);
    }

    private static void Sample(TextWriter w, string name, double value, params (string Name, string Value)[] labels)
    {
        w.Write(name);
        if (labels.Length > 0)
        {
            w.Write('{');
            for (var i = 0; i < labels.Length; i++)
            {
                if (i > 0)
                {
                    w.Write(',');
                }

                w.Write(labels[i].Name);
                w.Write("=\"");
                w.Write(Escape(labels[i].Value));
                w.Write('"');
            }

            w.Write('}');
        }

        w.Write(' ');
        w.WriteLine(value.ToString("R", CultureInfo.InvariantCulture));
    }

    private static string Escape(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal)
        .Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    private static string Snake(string pascal) => string.Concat(pascal.Select((c, i) =>
        char.IsUpper(c) ? (i > 0 ? "_" : "") + char.ToLowerInvariant(c) : c.ToString()));
}
