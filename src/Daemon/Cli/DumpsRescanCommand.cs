using System.CommandLine;
using System.Text.Json;
using Kdumpd.Core.Catalog;
using Microsoft.Data.Sqlite;

namespace Kdumpd.Daemon.Cli;

/// <summary>`kdumpd dumps rescan`: bring the catalogue up to date with the disk and hash new vmcores.</summary>
public static class DumpsRescanCommand
{
    public static Command Create()
    {
        var options = new DumpsOptions();
        var noHash = new Option<bool>("--no-hash") { Description = "Do not compute missing SHA-256 sums (the daemon does it in the background)" };
        var triage = new Option<bool>("--triage") { Description = "Also read the dmesg of dumps that have none from their vmcore and title them (the daemon does it in the background)" };
        var command = new Command("rescan", "Scan the dump directory into the catalogue, then compute missing SHA-256 sums");
        options.AddTo(command);
        command.Options.Add(noHash);
        command.Options.Add(triage);
        command.SetAction(async (result, cancellationToken) =>
        {
            try
            {
                var catalog = options.OpenCatalog(result);
                var scan = await Task.Run(() => catalog.Scan(cancellationToken), cancellationToken);
                var hashed = result.GetValue(noHash) ? 0 : await catalog.HashPendingAsync(cancellationToken);
                if (result.GetValue(triage))
                {
                    await catalog.TriagePendingAsync(cancellationToken);
                }

                result.InvocationConfiguration.Output.Write(options.Json(result)
                    ? JsonSerializer.Serialize(new DumpsRescanSummary(scan.Found, scan.Added, scan.Updated, scan.Unchanged, scan.Removed, scan.Unreadable, hashed), DumpsOutput.Json.DumpsRescanSummary) + "\n"
                    : $"{catalog.DumpDirectory}: {scan.Found} dumps ({scan.Added} added, {scan.Updated} updated, {scan.Unchanged} unchanged, {scan.Removed} removed, {scan.Unreadable} unreadable), {hashed} hashed\n");
                return ExitCodes.Ok;
            }
            catch (Exception e) when (e is CatalogException or SqliteException or IOException or UnauthorizedAccessException)
            {
                await result.InvocationConfiguration.Error.WriteLineAsync($"kdumpd dumps rescan: {e.Message}");
                return ExitCodes.Error;
            }
        });
        return command;
    }
}
