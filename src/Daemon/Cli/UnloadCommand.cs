using System.CommandLine;
using Kdumpd.Core.Catalog;
using Kdumpd.Core.Host;
using Kdumpd.Core.Loading;

namespace Kdumpd.Daemon.Cli;

/// <summary>`kdumpd unload`: disarm the host (an explicit operator request; spends a load-limit unit).</summary>
public static class UnloadCommand
{
    public static Command Create()
    {
        var loader = CliCommon.LoaderOption();
        var hostRoot = CliCommon.HostRootOption();
        var database = CliCommon.DatabaseOption();
        var command = new Command("unload", "Unload the panic kernel and record it as a generation") { loader, hostRoot, database };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            try
            {
                var kind = parseResult.GetValue(loader) is { } name ? LoaderKinds.Parse(name) : LoaderKind.Auto;
                if (CliCommon.RealLoaderNeedsSystemRoot(parseResult.GetValue(hostRoot)!, kind) is { } problem)
                {
                    return CliCommon.Fail(parseResult, "unload", problem);
                }

                using var service = CliCommon.OpenService(parseResult.GetValue(hostRoot)!, parseResult.GetValue(database)!, new LoadingOptions());
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
            catch (Exception e) when (e is CatalogException or HostFileException or IOException or UnauthorizedAccessException or Microsoft.Data.Sqlite.SqliteException)
            {
                return CliCommon.Fail(parseResult, "unload", e.Message);
            }
        });
        return command;
    }
}
