using Kdumpd.Core.Hotplug;
using Kdumpd.Daemon.Watchers;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kdumpd.Daemon.Tests.Watchers;

public class NetlinkUeventListenerTests
{
    [Fact]
    public async Task Listener_binds_the_kernel_uevent_group_and_stops_cleanly()
    {
        await using var rig = new WatcherRig();
        var dispatcher = new UeventDispatcher(rig.Coordinator, Serilog.Core.Logger.None);
        using var listener = new NetlinkUeventListener(rig.Coordinator, dispatcher, NullLogger<NetlinkUeventListener>.Instance);

        await listener.StartAsync(TestContext.Current.CancellationToken);
        await listener.Ready.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        var state = listener.State;
        var watcher = rig.Coordinator.Stats.Snapshot(DateTimeOffset.UtcNow).Watchers[NetlinkUeventListener.WatcherName];
        await listener.StopAsync(TestContext.Current.CancellationToken);

        if (Environment.UserName == "root")
        {
            // Root in the initial network namespace: the socket must work (measured on this kernel).
            state.Should().Be(UeventListenerState.Listening, listener.Problem);
            watcher.Active.Should().BeTrue();
        }
        else
        {
            state.Should().BeOneOf(UeventListenerState.Listening, UeventListenerState.Unavailable);
        }

        listener.State.Should().BeOneOf(UeventListenerState.Stopped, UeventListenerState.Unavailable);
        listener.ExecuteTask!.IsFaulted.Should().BeFalse();
    }

    [Fact]
    public async Task Listener_receives_a_real_kernel_uevent()
    {
        // Writing an action to a device's sysfs "uevent" file makes the kernel broadcast a synthetic
        // uevent. "change" is used because no kdump/udev rule reacts to it on a memory block.
        const string Trigger = "/sys/devices/system/memory/memory0/uevent";
        if (Environment.UserName != "root" || !File.Exists(Trigger))
        {
            Assert.Skip($"needs root and {Trigger} to make the kernel send a uevent");
        }

        await using var rig = new WatcherRig();
        var dispatcher = new UeventDispatcher(rig.Coordinator, Serilog.Core.Logger.None);
        using var listener = new NetlinkUeventListener(rig.Coordinator, dispatcher, NullLogger<NetlinkUeventListener>.Instance);
        await listener.StartAsync(TestContext.Current.CancellationToken);
        await listener.Ready.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        listener.State.Should().Be(UeventListenerState.Listening, listener.Problem);

        await File.WriteAllTextAsync(Trigger, "change", TestContext.Current.CancellationToken);
        var seen = 0L;
        for (var i = 0; i < 100 && seen == 0; i++)
        {
            await Task.Delay(50, TestContext.Current.CancellationToken);
            seen = rig.Coordinator.Stats.Snapshot(DateTimeOffset.UtcNow).Uevents
                .Where(c => c is { Subsystem: "memory", Action: "change" }).Sum(c => c.Count);
        }

        await listener.StopAsync(TestContext.Current.CancellationToken);

        seen.Should().BeGreaterThanOrEqualTo(1);
        rig.Coordinator.Stats.Snapshot(DateTimeOffset.UtcNow).UeventsRejected.Should().BeEmpty();
    }
}
