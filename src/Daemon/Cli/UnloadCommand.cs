using System.CommandLine;
using Kdumpd.Core.Catalog;
using Kdumpd.Core.Host;
using Kdumpd.Core.Loading;

using Kdumpd.Daemon.Configuration;
using Kdumpd.Daemon.Hosting;

namespace Kdumpd.Daemon.Cli;

/// <summary>`kdumpd unload`: disarm the host (an explicit operator request; spends a load-limit unit).</summary>
public static class UnloadCommand
{
    public static Command Create()
    {
        var loader = CliCommon.LoaderOption();
        var hostRoot = CliCommon.HostRootOption();
        var database = CliCommon.DatabaseOption();
        var config = CliCommon.ConfigOption();
        var command = new Command("unload", "Unload the panic kernel and record it as a generation") { loader, hostRoot, database, config };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            try
            {
                var settings = CliCommon.Settings(parseResult, config, hostRoot, database);
                var kind = parseResult.GetValue(loader) is { } name ? LoaderKinds.Parse(name) : LoaderKinds.Parse(settings.Loader.Mode);
                if (CliCommon.RealLoaderNeedsSystemRoot(settings.HostRoot, kind) is { } problem)
                {
                    return CliCommon.Fail(parseResult, "unload", problem);
                }

                if ((RootRequirement.ForLoader(kind) ?? RootRequirement.ForDatabase(settings.Database)) is { } needsRoot)
                {
                    return CliCommon.Fail(parseResult, "unload", needsRoot);
                }

                using var service = CliCommon.OpenService(settings.HostRoot, settings.Database, DaemonHost.LoadingOptionsFrom(settings));
                var result = await service.UnloadAsync(new UnloadRequest(kind, OperatorRequested: true, ["cli: kdumpd unload"]), cancellationToken);
                var g = result.Generation;
                if (!result.Succeeded)
                {
                    return CliCommon.Fail(parseResult, "unload", $"generation {g.Number} {GenerationStore.OutcomeName(g.Outcome)}: {g.Error}");
                }

                await parseResult.InvocationConfiguration.Output.WriteLineAsync(
                    $"unloaded the panic kernel (generation {g.Number}, {g.Loader}); kexec_crash_loaded is now {(g.ArmedAfter switch { true => "1", false => "0", null => "absent" })}; {CliCommon.Budget(result.StateAfter.LoadsLeft, result.StateAfter.LoadLimitPanic)}");
                return 0;
            }
            catch (Exception e) when (e is ConfigurationException or CatalogException or HostFileException or IOException or UnauthorizedAccessException or Microsoft.Data.Sqlite.SqliteException)
            {
                return CliCommon.Fail(parseResult, "unload", e.Message);
            }
        });
        return command;
    }
}
