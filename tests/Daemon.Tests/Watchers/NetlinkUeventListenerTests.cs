using Kdumpd.Core.Watch;
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
}
