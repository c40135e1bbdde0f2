using Kdumpd.Core.Reload;
using Kdumpd.Daemon.Watchers;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kdumpd.Daemon.Tests.Watchers;

public sealed class KmsgWatcherTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("kdumpd-kmsg-").FullName;

    [Fact]
    public async Task A_crash_hp_failure_appended_to_the_log_forces_a_reload_and_old_records_are_skipped()
    {
        var log = Path.Combine(_dir, "kmsg");
        // already in the log before kdumpd started: history, not news
        await File.WriteAllTextAsync(log, "6,900,70000000,-;crash hp: kexec_trylock() failed, elfcorehdr may be inaccurate\n", TestContext.Current.CancellationToken);
        await using var rig = new WatcherRig();
        using var watcher = new KmsgWatcher(rig.Coordinator, new WatchOptions { KmsgPath = log }, NullLogger<KmsgWatcher>.Instance);
        await watcher.StartAsync(TestContext.Current.CancellationToken);
        await watcher.Ready.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        var early = await rig.NextPassAsync(TimeSpan.FromMilliseconds(600));
        await File.AppendAllTextAsync(log,
            "6,1001,78714569,-;Fallback order for Node 0: 0\n" +
            " SUBSYSTEM=memory\n" +
            "6,1002,78724423,-;crash hp: kexec_trylock() failed, elfcorehdr may be inaccurate\n",
            TestContext.Current.CancellationToken);
        var pass = await rig.NextPassAsync();
        await watcher.StopAsync(TestContext.Current.CancellationToken);

        watcher.Following.Should().BeFalse();
        early.Should().BeNull("the record written before the watcher opened the log is old");
        pass!.Outcome.Should().Be(ReloadOutcome.Reloaded);
        pass.Burst.Samples.Should().ContainSingle().Which.Should().Match<ReloadTrigger>(t =>
            t.Kind == ReloadTriggerKind.KmsgCrashHotplugFailure && t.Force && t.Detail!.Contains("elfcorehdr may be inaccurate"));
        rig.Coordinator.Stats.Snapshot(DateTimeOffset.UtcNow).KmsgCrashHotplugFailures.Should().Be(1);
    }

    [Fact]
    public async Task The_real_kmsg_device_is_followed_from_its_end_and_written_lines_do_not_force_a_reload()
    {
        const string Device = "/dev/kmsg";
        if (Environment.UserName != "root" || !File.Exists(Device))
        {
            Assert.Skip($"needs root and {Device}");
        }

        await using var rig = new WatcherRig();
        using var watcher = new KmsgWatcher(rig.Coordinator, new WatchOptions { KmsgPath = Device }, NullLogger<KmsgWatcher>.Instance);
        await watcher.StartAsync(TestContext.Current.CancellationToken);
        await watcher.Ready.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        watcher.Following.Should().BeTrue(watcher.Problem);
        var backlog = watcher.RecordsRead;

        // A process (root) writing a "crash hp:" line: stored as LOG_USER, so it is not the kernel's report.
        await File.AppendAllTextAsync(Device, "<3>crash hp: kdumpd-test: written by a process, not the kernel\n", TestContext.Current.CancellationToken);
        for (var i = 0; i < 40 && watcher.RecordsRead == backlog; i++)
        {
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        var pass = await rig.NextPassAsync(TimeSpan.FromMilliseconds(300));
        await watcher.StopAsync(TestContext.Current.CancellationToken);

        backlog.Should().Be(0, "records logged before the watcher opened the device are history");
        watcher.RecordsRead.Should().BeGreaterThanOrEqualTo(1);
        pass.Should().BeNull();
        rig.Coordinator.Stats.Snapshot(DateTimeOffset.UtcNow).KmsgCrashHotplugFailures.Should().Be(0);
    }

    [Fact]
    public async Task An_unopenable_log_is_reported_and_not_fatal()
    {
        await using var rig = new WatcherRig();
        using var watcher = new KmsgWatcher(rig.Coordinator, new WatchOptions { KmsgPath = Path.Combine(_dir, "missing") }, NullLogger<KmsgWatcher>.Instance);

        await watcher.StartAsync(TestContext.Current.CancellationToken);
        await watcher.Ready.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        watcher.Following.Should().BeFalse();
        watcher.Problem.Should().Contain("missing");
        watcher.ExecuteTask!.IsFaulted.Should().BeFalse();
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
