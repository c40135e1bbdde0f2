using Kdumpd.Core.Reload;

namespace Kdumpd.Core.Tests.Reload;

public class ReloadStatsExpositionTests
{
    [Fact]
    public async Task Stats_after_a_burst_read_as_prometheus_text()
    {
        await using var h = new CoordinatorHarness();
        h.Target.HostFingerprint = "fp-2";
        h.Stats.RecordUevent("memory", "add");
        h.Stats.RecordUevent("memory", "add");
        h.Stats.RecordUeventRejected("UdevMonitorMessage");
        h.Stats.SetWatcher("netlink-uevent", true, null);
        h.PostMemory();
        await h.AdvanceUntilPassAsync();
        var text = new StringWriter();

        ReloadStatsExposition.Write(h.Stats.Snapshot(h.Time.GetUtcNow()), text);

        var lines = text.ToString().Split('\n');
        lines.Should().Contain("kdumpd_uevents_total{subsystem=\"memory\",action=\"add\"} 2");
        lines.Should().Contain("kdumpd_uevents_rejected_total{reason=\"UdevMonitorMessage\"} 1");
        lines.Should().Contain("kdumpd_reload_passes_total{outcome=\"reloaded\"} 1");
        lines.Should().Contain("kdumpd_reload_passes_total{outcome=\"no_change\"} 0");
        lines.Should().Contain("kdumpd_reload_passes_total{outcome=\"budget_held\"} 0");
        lines.Should().Contain("kdumpd_reloads_total{trigger=\"memory\"} 1");
        lines.Should().Contain("kdumpd_armed 1");
        lines.Should().Contain("kdumpd_watcher_up{watcher=\"netlink-uevent\"} 1");
        lines.Should().Contain("# TYPE kdumpd_unarmed_seconds_total counter");
        lines.Should().Contain(l => l.StartsWith("kdumpd_last_reload_timestamp_seconds 1795", StringComparison.Ordinal));
    }
}
