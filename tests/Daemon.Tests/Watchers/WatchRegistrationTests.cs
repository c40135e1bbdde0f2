using Kdumpd.Core.Reload;
using Kdumpd.Daemon.Watchers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Kdumpd.Daemon.Tests.Watchers;

public sealed class WatchRegistrationTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("kdumpd-host-").FullName;

    [Fact]
    public async Task A_host_with_the_watchers_makes_a_startup_pass_and_stops_cleanly()
    {
        var kmsg = Path.Combine(_dir, "kmsg");
        await File.WriteAllTextAsync(kmsg, "", TestContext.Current.CancellationToken);
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSingleton<IReloadTarget>(new NotLoadedTarget());
        builder.Services.AddReloadWatching(new WatchOptions
        {
            KernelPath = Path.Combine(_dir, "vmlinuz"),
            InitrdPath = Path.Combine(_dir, "initrd.img"),
            ConfigPath = Path.Combine(_dir, "kdumpd.json"),
            KmsgPath = kmsg,
            Coordinator = new ReloadCoordinatorOptions { QuietWindow = TimeSpan.FromMilliseconds(20) },
        });
        using var host = builder.Build();
        var coordinator = host.Services.GetRequiredService<ReloadCoordinator>();
        var firstPass = new TaskCompletionSource<ReloadPassRecord>(TaskCreationOptions.RunContinuationsAsynchronously);
        coordinator.PassCompleted += pass => firstPass.TrySetResult(pass);

        await host.StartAsync(TestContext.Current.CancellationToken);
        var pass = await firstPass.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        await host.Services.GetRequiredService<NetlinkUeventListener>().Ready.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        await host.Services.GetRequiredService<KmsgWatcher>().Ready.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        // BackgroundService.ExecuteAsync runs on the thread pool (.NET 10): each watcher reports in when it has started
        var watchers = coordinator.Stats.Snapshot(DateTimeOffset.UtcNow).Watchers;
        for (var i = 0; i < 200 && watchers.Count < 4; i++)
        {
            await Task.Delay(25, TestContext.Current.CancellationToken);
            watchers = coordinator.Stats.Snapshot(DateTimeOffset.UtcNow).Watchers;
        }

        await host.StopAsync(TestContext.Current.CancellationToken);

        pass.Burst.Kinds.Should().BeEquivalentTo([ReloadTriggerKind.Startup]);
        pass.Outcome.Should().Be(ReloadOutcome.Reloaded);
        pass.Decision.Should().Be("no crash image loaded");
        watchers.Keys.Should().BeEquivalentTo([NetlinkUeventListener.WatcherName, FileChangeWatcher.WatcherName, KmsgWatcher.WatcherName, PeriodicReconciler.WatcherName]);
        watchers[FileChangeWatcher.WatcherName].Active.Should().BeTrue();
        watchers[KmsgWatcher.WatcherName].Active.Should().BeTrue();
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private sealed class NotLoadedTarget : IReloadTarget
    {
        private bool _loaded;

        public ValueTask<PlanProbe> ProbeAsync(CancellationToken cancellationToken) =>
            ValueTask.FromResult(new PlanProbe("fp-1", _loaded ? "fp-1" : null, _loaded, _loaded, CrashHotplugSupport.None));

        public ValueTask<ReloadResult> ReloadAsync(ReloadRequest request, CancellationToken cancellationToken)
        {
            _loaded = true;
            return ValueTask.FromResult(ReloadResult.Loaded(request.Probe.Fingerprint, 1));
        }

        public ValueTask RecordPlanAsync(ReloadRequest request, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }
}
