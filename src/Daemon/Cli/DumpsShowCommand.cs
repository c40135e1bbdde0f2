using System.CommandLine;
using System.Text.Json;
using Kdumpd.Core.Catalog;
using Microsoft.Data.Sqlite;

namespace Kdumpd.Daemon.Cli;

/// <summary>`kdumpd dumps show ID`: every field of one dump, with the call trace.</summary>
public static class DumpsShowCommand
{
    public static Command Create()
    {
        var options = new DumpsOptions();
        var id = new Argument<string>("ID") { Description = "The dump id from `kdumpd dumps list` (a unique prefix is enough)" };
        var command = new Command("show", "Show one crash dump");
        command.Arguments.Add(id);
        options.AddTo(command);
        command.SetAction(result =>
        {
            try
            {
                var catalog = options.OpenCatalog(result);
                catalog.Scan();
                var wanted = result.GetValue(id)!;
                var record = catalog.Get(wanted);
                if (record is null)
                {
                    var matches = catalog.List(new DumpQuery(Limit: 10_000)).Items.Where(d => d.Id.StartsWith(wanted, StringComparison.Ordinal)).ToList();
                    if (matches.Count > 1)
                    {
                        result.InvocationConfiguration.Error.WriteLine($"kdumpd dumps show: {wanted} matches {matches.Count} dumps; give more of the id");
                        return ExitCodes.Usage;
                    }

                    record = matches.SingleOrDefault();
                }

                if (record is null)
                {
                    result.InvocationConfiguration.Error.WriteLine($"kdumpd dumps show: no dump with id {wanted} in {catalog.DumpDirectory} (see `kdumpd dumps list`)");
                    return ExitCodes.Error;
                }

                result.InvocationConfiguration.Output.Write(options.Json(result) ? JsonSerializer.Serialize(record, DumpsOutput.Json.DumpRecord) + "\n" : DumpsOutput.Details(record));
                return ExitCodes.Ok;
            }
            catch (Exception e) when (e is CatalogException or SqliteException or IOException or UnauthorizedAccessException)
            {
                result.InvocationConfiguration.Error.WriteLine($"kdumpd dumps show: {e.Message}");
                return ExitCodes.Error;
            }
        });
        return command;
    }
}
