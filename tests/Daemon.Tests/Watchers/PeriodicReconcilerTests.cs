using Kdumpd.Core.Reload;
using Kdumpd.Daemon.Watchers;
using Microsoft.Extensions.Time.Testing;

namespace Kdumpd.Daemon.Tests.Watchers;

public class PeriodicReconcilerTests
{
    [Fact]
    public async Task Every_five_minutes_a_reconcile_pass_re_probes_the_host()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero));
        await using var rig = new WatcherRig(time);
        using var reconciler = new PeriodicReconciler(rig.Coordinator, new WatchOptions());
        await reconciler.StartAsync(TestContext.Current.CancellationToken);
        // ExecuteAsync runs on the thread pool (.NET 10): wait until the timer exists before moving the clock
        while (!rig.Coordinator.Stats.Snapshot(time.GetUtcNow()).Watchers.TryGetValue(PeriodicReconciler.WatcherName, out var status) || !status.Active)
        {
            await Task.Delay(5, TestContext.Current.CancellationToken);
        }

        time.Advance(TimeSpan.FromMinutes(4));
        var early = await rig.NextPassAsync(TimeSpan.FromMilliseconds(200));
        time.Advance(TimeSpan.FromMinutes(1));
        await Task.Delay(50, TestContext.Current.CancellationToken);
        time.Advance(TimeSpan.FromSeconds(1)); // past the quiet window
        var pass = await rig.NextPassAsync();
        await reconciler.StopAsync(TestContext.Current.CancellationToken);

        early.Should().BeNull();
        pass!.Burst.Kinds.Should().BeEquivalentTo([ReloadTriggerKind.PeriodicReconcile]);
    }
}
