using Kdumpd.Api.Metrics;
using Kdumpd.Core.Catalog;
using Kdumpd.Core.Reload;
using Kdumpd.Daemon.Configuration;
using Kdumpd.Daemon.Hosting;
using Kdumpd.Daemon.Watchers;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Serilog;

namespace Kdumpd.Daemon.Tests.Hosting;

/// <summary>The daemon's first pass (plan and load) is over before the web host is built, and the host's start takes that same pass.</summary>
public sealed class PanicKernelArmingTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("kdumpd-arming-").FullName;
    private readonly string _state = Directory.CreateTempSubdirectory("kdumpd-arming-state-").FullName;
    private readonly ILogger _logger = new LoggerConfiguration().MinimumLevel.Warning().CreateLogger();

    public PanicKernelArmingTests() => Repo.CopyLoadableHost(_root);

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_root, recursive: true);
        Directory.Delete(_state, recursive: true);
    }

    private KdumpdOptions Options()
    {
        var options = new KdumpdOptions
        {
            HostRoot = _root,
            DumpDir = Path.Join(_state, "crash"),
            Database = Path.Join(_state, "kdumpd.db"),
            Urls = "http://127.0.0.1:0",
        };
        options.Loader.Mode = "dry-run";
        options.Capture.Initrd = "distribution";
        options.Reload.WatchUevents = false;
        options.Reload.Kmsg = "";
        return options;
    }

    /// <summary>The generations another process would read from the database file.</summary>
    private IReadOnlyList<GenerationRecord> Generations() =>
        new GenerationStore(new KdumpdDatabase(Path.Join(_state, "kdumpd.db"))).List();

    [Fact]
    public async Task The_first_load_is_recorded_before_the_web_host_is_built()
    {
        var options = Options();
        IReadOnlyList<GenerationRecord> beforeBuild = [];
        var loopStarted = false;

        // configure runs before the web host is built: the load is over by then, with no waiting here.
        await using var app = DaemonHost.Build(options, new RunContext(null, false, []), _logger, configure: builder =>
        {
            beforeBuild = Generations();
            loopStarted = builder.Services.Any(d => d.ServiceType == typeof(ReloadCoordinatorService));
        });

        loopStarted.Should().BeTrue("the loop is registered before configure runs");
        beforeBuild.Should().ContainSingle().Which.Outcome.Should().Be(GenerationOutcome.Loaded);
        beforeBuild[0].Triggers.Should().Contain(t => t.Contains("startup", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_first_pass_past_its_bound_no_longer_holds_back_the_web_host()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        var target = new HeldTarget();
        var coordinator = new ReloadCoordinator(target, new ReloadCoordinatorOptions(), time, new ReloadStats(), _logger);
        using var loop = new ReloadCoordinatorService(coordinator);

        var waiting = loop.WaitForFirstPassAsync(TestContext.Current.CancellationToken);
        await target.Probed.Task.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        waiting.IsCompleted.Should().BeFalse("the pass is still under way");

        time.Advance(ReloadCoordinatorService.FirstPassBound);
        (await waiting.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken)).Should().BeFalse();

        // The deadline counts from the loop's start: a second waiter (the host's start) does not wait again.
        (await loop.WaitForFirstPassAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken))
            .Should().BeFalse();
        target.Release.SetResult();
        (await loop.FirstPass.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken)).Pass.Should().Be(1);
        (await loop.WaitForFirstPassAsync(TestContext.Current.CancellationToken)).Should().BeTrue();
    }

    /// <summary>A reload target whose probe waits until the test releases it: a first pass that takes long.</summary>
    private sealed class HeldTarget : IReloadTarget
    {
        public TaskCompletionSource Probed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async ValueTask<PlanProbe> ProbeAsync(CancellationToken cancellationToken)
        {
            Probed.TrySetResult();
            await Release.Task.WaitAsync(cancellationToken);
            return new PlanProbe("f", null, false, false, CrashHotplugSupport.None, null);
        }

        public ValueTask<ReloadResult> ReloadAsync(ReloadRequest request, CancellationToken cancellationToken) =>
            ValueTask.FromResult(ReloadResult.Loaded("f", 1));

        public ValueTask RecordPlanAsync(ReloadRequest request, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }

    [Fact]
    public async Task The_host_start_waits_for_that_pass_and_runs_no_second_one()
    {
        await using var app = DaemonHost.Build(Options(), new RunContext(null, false, []), _logger);

        await app.StartAsync(TestContext.Current.CancellationToken);
        var first = await app.Services.GetRequiredService<ReloadCoordinatorService>().FirstPass;
        var coordinator = app.Services.GetRequiredService<ReloadCoordinator>();

        first.Pass.Should().Be(1);
        first.Outcome.Should().Be(ReloadOutcome.Reloaded);
        coordinator.LastPass.Should().BeSameAs(first, "the start took the pass under way, it did not post a second Startup");
        Generations().Should().ContainSingle();
        await app.StopAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task The_first_load_is_in_the_reload_duration_histogram_though_it_ended_before_the_host_was_built()
    {
        await using var app = DaemonHost.Build(Options(), new RunContext(null, false, []), _logger, configure: _ =>
        {
            for (var i = 0; i < 600 && Generations().Count == 0; i++)
            {
                Thread.Sleep(50);
            }
        });
        await app.StartAsync(TestContext.Current.CancellationToken);

        using var scrape = new MemoryStream();
        await app.Services.GetRequiredService<KdumpdMetrics>().WriteAsync(scrape, TestContext.Current.CancellationToken);

        System.Text.Encoding.UTF8.GetString(scrape.ToArray()).Should().Contain("kdumpd_reload_duration_seconds_count 1");
        await app.StopAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task A_daemon_disposed_without_starting_stops_its_loop()
    {
        var app = DaemonHost.Build(Options(), new RunContext(null, false, []), _logger);
        var coordinator = app.Services.GetRequiredService<ReloadCoordinator>();
        await app.Services.GetRequiredService<ReloadCoordinatorService>().FirstPass.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        await app.DisposeAsync();
        var stopped = coordinator.RequestReloadAsync("test", force: true, TestContext.Current.CancellationToken);

        await Task.WhenAny(stopped, Task.Delay(TimeSpan.FromSeconds(2), TestContext.Current.CancellationToken));

        stopped.IsCompletedSuccessfully.Should().BeFalse("a running loop would take the request and load again; a stopped one cancels it or never answers");
        Generations().Should().ContainSingle();
    }
}
