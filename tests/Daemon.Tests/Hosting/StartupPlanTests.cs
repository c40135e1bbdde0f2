using Kdumpd.Core.Catalog;
using Kdumpd.Core.Host;
using Kdumpd.Core.Loading;
using Kdumpd.Daemon.Configuration;
using Kdumpd.Daemon.Hosting;
using Microsoft.Data.Sqlite;

namespace Kdumpd.Daemon.Tests.Hosting;

public sealed class StartupPlanTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("kdumpd-startup-").FullName;
    private readonly string _state = Directory.CreateTempSubdirectory("kdumpd-startup-state-").FullName;

    public StartupPlanTests() => Repo.CopyLoadableHost(_root);

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_root, recursive: true);
        Directory.Delete(_state, recursive: true);
    }

    private StartupPlan Start()
    {
        var options = new KdumpdOptions { HostRoot = _root, Database = Path.Join(_state, "kdumpd.db") };
        options.Loader.Mode = "dry-run";
        options.Capture.Initrd = "distribution";
        var database = new KdumpdDatabase(options.Database);
        database.Migrate();
        return StartupPlan.Start(options, new HostRoot(_root), DaemonHost.LoadingOptionsFrom(options), new GenerationStore(database));
    }

    /// <summary>The planning a configuration reload puts in force instead of the start's (same host, other options).</summary>
    private static HostPlanning Replacing(StartupPlan startup) =>
        new(startup.Planning.Root, DaemonHost.LoadingOptionsFrom(new KdumpdOptions()), startup.Planning.Layout);

    [Fact]
    public async Task The_first_probe_takes_the_pass_made_at_start_and_only_once()
    {
        var startup = Start();

        var first = await startup.TakeAsync(startup.Planning, TestContext.Current.CancellationToken);
        var again = await startup.TakeAsync(startup.Planning, TestContext.Current.CancellationToken);

        first.Should().NotBeNull();
        first!.Host.KernelRelease.Should().Be("6.1.0-56-amd64");
        first.Plan.Fingerprint.Should().Be(startup.Planning.PlanNow().Plan.Fingerprint);
        first.Timings.Should().NotBeNull("the pass is a whole PlanNow, timed like any other");
        again.Should().BeNull("a later probe reads the host again");
    }

    [Fact]
    public async Task A_planning_that_replaced_the_one_at_start_plans_afresh()
    {
        var startup = Start();
        var reloaded = Replacing(startup);

        var taken = await startup.TakeAsync(reloaded, TestContext.Current.CancellationToken);

        taken.Should().BeNull();
        (await startup.TakeAsync(startup.Planning, TestContext.Current.CancellationToken)).Should().BeNull("the pass was spent");
    }

    [Fact]
    public async Task A_pass_that_failed_fails_the_probe_that_takes_it_with_the_same_error()
    {
        File.Delete(Path.Join(_root, "proc", "iomem"));
        var startup = Start();

        var take = async () => await startup.TakeAsync(startup.Planning, TestContext.Current.CancellationToken);

        (await take.Should().ThrowAsync<HostFileException>()).Which.Message.Should().Contain("iomem");
    }

    [Fact]
    public async Task A_failed_pass_that_was_replaced_is_dropped_quietly()
    {
        File.Delete(Path.Join(_root, "proc", "iomem"));
        var startup = Start();
        var reloaded = Replacing(startup);

        var taken = await startup.TakeAsync(reloaded, TestContext.Current.CancellationToken);

        taken.Should().BeNull();
    }
}
