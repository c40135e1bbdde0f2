using System.CommandLine;
using System.Text.Json;
using Kdumpd.Core.Catalog;
using Kdumpd.Core.Egress;
using Microsoft.Data.Sqlite;

namespace Kdumpd.Daemon.Cli;

/// <summary>`kdumpd dumps list`: the catalogue as a table (after an incremental scan).</summary>
public static class DumpsListCommand
{
    public static Command Create()
    {
        var options = new DumpsOptions();
        var since = new Option<DateTimeOffset?>("--since") { Description = "Only dumps that crashed at or after this time (ISO 8601)" };
        var kernel = new Option<string?>("--kernel") { Description = "Only dumps of this kernel release" };
        var incomplete = new Option<bool>("--incomplete") { Description = "Only incomplete dumps" };
        var group = new Option<bool>("--group") { Description = "One line per crash group (dumps of one bug): signature, title, count, first and last crash, kernels" };
        var signature = new Option<string?>("--signature") { Description = "Only the dumps of this crash group" };
        var command = new Command("list", "List crash dumps, newest first (scans the dump directory first; unchanged dumps are not re-read)");
        options.AddTo(command);
        command.Options.Add(since);
        command.Options.Add(kernel);
        command.Options.Add(incomplete);
        command.Options.Add(group);
        command.Options.Add(signature);
        command.SetAction(result =>
        {
            try
            {
                var catalog = options.OpenCatalog(result);
                catalog.Scan();
                if (result.GetValue(group))
                {
                    var groups = catalog.Groups();
                    result.InvocationConfiguration.Output.Write(options.Json(result)
                        ? JsonSerializer.Serialize(groups, DumpsOutput.Json.IReadOnlyListCrashGroup) + "\n"
                        : groups.Count == 0 ? $"No crash groups in {catalog.DumpDirectory} (no dump has a titled crash).\n" : DumpsOutput.GroupTable(groups));
                    return ExitCodes.Ok;
                }

                var page = catalog.List(new DumpQuery(result.GetValue(since), result.GetValue(kernel), result.GetValue(incomplete) ? false : null, 0, 10_000, result.GetValue(signature)));
                result.InvocationConfiguration.Output.Write(options.Json(result)
                    ? JsonSerializer.Serialize(page.Items, DumpsOutput.Json.IReadOnlyListDumpRecord) + "\n"
                    : page.Items.Count == 0 ? $"No dumps in {catalog.DumpDirectory}.\n"
                    : DumpsOutput.Table(page.Items, new EgressStateStore(new KdumpdDatabase(result.GetValue(options.Database)!)).All()));
                return ExitCodes.Ok;
            }
            catch (Exception e) when (e is CatalogException or SqliteException or IOException or UnauthorizedAccessException)
            {
                result.InvocationConfiguration.Error.WriteLine($"kdumpd dumps list: {e.Message}");
                return ExitCodes.Error;
            }
        });
        return command;
    }
}
