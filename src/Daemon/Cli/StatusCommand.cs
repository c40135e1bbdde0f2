using System.CommandLine;
using Kdumpd.Core.Catalog;
using Kdumpd.Core.Host;
using Kdumpd.Core.Loading;
using Kdumpd.Core.Units;
using Kdumpd.Daemon.Configuration;
using Kdumpd.Daemon.Hosting;

namespace Kdumpd.Daemon.Cli;

/// <summary>`kdumpd status`: armed with the right thing or not, and why. Exit 0 operational, 3 not (like kdumpctl).</summary>
public static class StatusCommand
{
    public const int NotOperational = 3;

    public static Command Create()
    {
        var format = new Option<string>("--format") { Description = "text or json", DefaultValueFactory = _ => "text" }.AcceptOnlyFromAmong("text", "json");
        var hostRoot = CliCommon.HostRootOption();
        var database = CliCommon.DatabaseOption();
        var config = CliCommon.ConfigOption();
        var command = new Command("status", "Is a panic kernel loaded, is it the right one, and why not ready") { format, hostRoot, database, config };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            try
            {
                var settings = CliCommon.Settings(parseResult, config, hostRoot, database);
                if (RootRequirement.ForDatabase(settings.Database) is { } needsRoot)
                {
                    return CliCommon.Fail(parseResult, "status", needsRoot);
                }

                var host = new HostRoot(settings.HostRoot);
                var db = new KdumpdDatabase(settings.Database);
                db.Migrate();
                var store = new GenerationStore(db);
                var evaluator = new ReadinessEvaluator(host, store, TimeProvider.System);
                var report = evaluator.Evaluate(new KexecSysfs(host).Read(), PlanNow(settings, host, store.LatestLoaded()?.Loader), deep: true);
                if (parseResult.GetValue(format) == "json")
                {
                    await output.WriteLineAsync(ReadinessJson.Serialize(report));
                }
                else
                {
                    await WriteText(output, report);
                }

                return report.Ready ? 0 : NotOperational;
            }
            catch (Exception e) when (e is ConfigurationException or CatalogException or HostFileException or IOException or UnauthorizedAccessException or Microsoft.Data.Sqlite.SqliteException)
            {
                return CliCommon.Fail(parseResult, "status", e.Message);
            }
        });
        return command;
    }

    /// <summary>
    /// The daemon's own planning pass, so the reservation figure is the one /readyz gives; none when the host
    /// cannot be read. It builds no capture initrd: it plans with the one the daemon built last.
    /// </summary>
    private static PlanSummary? PlanNow(KdumpdOptions settings, HostRoot host, string? lastLoadedBy)
    {
        try
        {
            return DaemonHost.PlanningFor(settings, host, DaemonHost.LoadingOptionsFrom(settings), lastLoadedBy).PlanNow(buildOwnInitrd: false).Summary(null);
        }
        catch (HostFileException)
        {
            return null;
        }
    }

    private static async Task WriteText(TextWriter output, ReadinessReport report)
    {
        var state = report.State;
        var loaded = state.Loaded switch { true => "loaded", false => "not loaded", null => "no kexec in this kernel" };
        await output.WriteLineAsync($"panic kernel:      {loaded}");
        await output.WriteLineAsync($"reservation:       {(state.ReservationBytes is { } r ? ByteSize.Format(r) : "unknown")}");
        await output.WriteLineAsync($"load limit:        {CliCommon.Budget(state.LoadsLeft, state.LoadLimitPanic)}");
        await output.WriteLineAsync($"running kernel:    {report.RunningRelease ?? "unknown"}");
        var active = report.ActiveGeneration;
        await output.WriteLineAsync(active is null
            ? "active generation: none"
            : $"active generation: {active.Number} ({active.StartedAt:u}, {active.Loader}, {active.Interface}, kernel {active.KernelRelease})");
        if (active?.Loader == LoaderKind.DryRun.Name())
        {
            await output.WriteLineAsync("note:              the active generation was a dry run: nothing was loaded into the kernel");
        }

        await output.WriteLineAsync($"ready:             {(report.Ready ? "yes" : "no")}");
        foreach (var check in report.Checks)
        {
            await output.WriteLineAsync($"  {(check.Ok ? "ok  " : "FAIL")} {check.Name}: {check.Detail}");
        }
    }
}
