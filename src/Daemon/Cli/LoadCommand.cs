using System.CommandLine;
using Kdumpd.Core.Catalog;
using Kdumpd.Core.Host;
using Kdumpd.Core.Loading;

using Kdumpd.Daemon.Configuration;
using Kdumpd.Daemon.Hosting;

namespace Kdumpd.Daemon.Cli;

/// <summary>`kdumpd load`: arm the host now (an explicit operator request), print the generation.</summary>
public static class LoadCommand
{
    public static Command Create()
    {
        var kernel = new Option<string?>("--kernel") { Description = "Capture kernel image (default: the distribution's /boot/vmlinuz-$(uname -r))" };
        var initrd = new Option<string?>("--initrd") { Description = "Capture initrd (default: the distribution's kdump or normal initrd for the running release)" };
        var append = new Option<string?>("--append") { Description = "Extra parameters for the capture kernel's command line" };
        var loader = CliCommon.LoaderOption();
        var hostRoot = CliCommon.HostRootOption();
        var database = CliCommon.DatabaseOption();
        var config = CliCommon.ConfigOption();
        var command = new Command("load", "Load the panic kernel now (one load call replaces any loaded one) and record the generation")
        {
            kernel, initrd, append, loader, hostRoot, database, config,
        };

        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            try
            {
                var settings = CliCommon.Settings(parseResult, config, hostRoot, database);
                var options = DaemonHost.LoadingOptionsFrom(settings);
                var kind = parseResult.GetValue(loader) is { } name ? LoaderKinds.Parse(name) : options.Loader;
                if (CliCommon.RealLoaderNeedsSystemRoot(settings.HostRoot, kind) is { } problem)
                {
                    return CliCommon.Fail(parseResult, "load", problem);
                }

                if ((RootRequirement.ForLoader(kind) ?? RootRequirement.ForDatabase(settings.Database)) is { } needsRoot)
                {
                    return CliCommon.Fail(parseResult, "load", needsRoot);
                }

                using var service = CliCommon.OpenService(settings.HostRoot, settings.Database, options);
                var overrides = new LoadOverrides(
                    parseResult.GetValue(kernel),
                    parseResult.GetValue(initrd),
                    parseResult.GetValue(append),
                    kind);
                var result = await service.ArmAsync(new ArmIntent(["cli: kdumpd load"], OperatorRequested: true, overrides), cancellationToken);
                var g = result.Generation;
                if (!result.Succeeded)
                {
                    return CliCommon.Fail(parseResult, "load", $"generation {g.Number} {GenerationStore.OutcomeName(g.Outcome)}: {g.Error}");
                }

                await output.WriteLineAsync($"loaded generation {g.Number} with {g.Loader} ({g.Interface}) in {g.DurationMs:0} ms, {g.Attempts} attempt(s)");
                await output.WriteLineAsync($"kernel:       {g.Kernel?.Path} ({g.Kernel?.Size} bytes, sha256 {g.Kernel?.Sha256})");
                await output.WriteLineAsync($"initrd:       {(g.Initrd is null ? "none" : $"{g.Initrd.Path} ({g.Initrd.Size} bytes, sha256 {g.Initrd.Sha256})")}");
                await output.WriteLineAsync($"command line: {g.CommandLine}");
                await output.WriteLineAsync($"unarmed:      at most {g.UnarmedMs:0} ms; {CliCommon.Budget(result.StateAfter.LoadsLeft, result.StateAfter.LoadLimitPanic)}");
                if (result.Budget is not null)
                {
                    await output.WriteLineAsync($"budget:       {result.Budget.Summary}");
                }

                foreach (var note in result.Loader?.NoteList ?? [])
                {
                    await output.WriteLineAsync($"note:         {note}");
                }

                if (result.StateAfter.SimulatedBy is not null)
                {
                    await output.WriteLineAsync($"note:         {result.StateAfter.SimulatedBy}");
                }

                return 0;
            }
            catch (Exception e) when (e is ConfigurationException or CatalogException or HostFileException or IOException or UnauthorizedAccessException or Microsoft.Data.Sqlite.SqliteException)
            {
                return CliCommon.Fail(parseResult, "load", e.Message);
            }
        });
        return command;
    }
}
