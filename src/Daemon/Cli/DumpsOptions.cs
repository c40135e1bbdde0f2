using System.CommandLine;
using Kdumpd.Core.Catalog;
using Serilog;
using Serilog.Events;

namespace Kdumpd.Daemon.Cli;

/// <summary>The options every `kdumpd dumps` verb shares: --dump-dir, --database, --format.</summary>
public sealed class DumpsOptions
{
    public Option<string> DumpDir { get; } = new("--dump-dir")
    {
        Description = "Directory holding the dumps",
        DefaultValueFactory = _ => DumpCatalog.DefaultDumpDirectory,
    };

    public Option<string> Database { get; } = new("--database")
    {
        Description = "kdumpd's SQLite database",
        DefaultValueFactory = _ => DumpCatalog.DefaultDatabasePath,
    };

    public Option<string> Format { get; } = CreateFormat();

    public void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.Options.Add(DumpDir);
        command.Options.Add(Database);
        command.Options.Add(Format);
    }

    public bool Json(ParseResult result) => result.GetValue(Format) == "json";

    /// <summary>
    /// Opens the catalogue (creating and migrating the database) with a stderr logger; a user who
    /// may not write the database is told it needs root before it is touched.
    /// </summary>
    public DumpCatalog OpenCatalog(ParseResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var database = result.GetValue(Database)!;
        if (RootRequirement.ForDatabase(database) is { } needsRoot)
        {
            throw new UnauthorizedAccessException(needsRoot);
        }

        return DumpCatalog.Open(database, result.GetValue(DumpDir)!, StderrLogger(LogEventLevel.Warning));
    }

    public static Serilog.ILogger StderrLogger(LogEventLevel level) => new LoggerConfiguration()
        .MinimumLevel.Is(level)
        .WriteTo.Console(standardErrorFromLevel: LogEventLevel.Verbose, formatProvider: System.Globalization.CultureInfo.InvariantCulture)
        .CreateLogger();

    private static Option<string> CreateFormat()
    {
        var option = new Option<string>("--format")
        {
            Description = "Output format: text (a table for people) or json (for scripts)",
            DefaultValueFactory = _ => "text",
        };
        option.AcceptOnlyFromAmong("text", "json");
        return option;
    }
}
