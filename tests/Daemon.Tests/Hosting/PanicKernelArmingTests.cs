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

/// <summary>The daemon's first pass (plan and load) runs while the web host is built, and the host's start takes that same pass.</summary>
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
    public async Task The_first_load_is_recorded_while_the_web_host_is_still_being_built()
    {
        var options = Options();
        IReadOnlyList<GenerationRecord> duringBuild = [];

        // configure runs before the web host is built: the load must not wait for it.
        await using var app = DaemonHost.Build(options, new RunContext(null, false, []), _logger, configure: _ =>
        {
            for (var i = 0; i < 600 && duringBuild.Count == 0; i++)
            {
                Thread.Sleep(50);
                duringBuild = Generations();
            }
        });

        duringBuild.Should().ContainSingle().Which.Outcome.Should().Be(GenerationOutcome.Loaded);
        duringBuild[0].Triggers.Should().Contain(t => t.Contains("startup", StringComparison.Ordinal));
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
