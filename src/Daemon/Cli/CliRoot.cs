using System.CommandLine;

namespace Kdumpd.Daemon.Cli;

/// <summary>
/// The kdumpd command tree: one verb per file under Cli/, registered here.
/// Exit codes: 0 ok, 1 error, 2 usage, 3 not operational (as kdumpctl status).
/// </summary>
public static class CliRoot
{
    /// <summary>Usage errors exit 2, so scripts can tell "you called me wrong" from "it failed" (1).</summary>
    public const int UsageError = 2;

    public const int ExitUsage = UsageError;

    public static RootCommand Create() => new("kdumpd: keeps this host ready to capture kernel crash dumps, and catalogues the dumps")
    {
        RunCommand.Create(),
        PlanCommand.Create(),
        LoadCommand.Create(),
        UnloadCommand.Create(),
        ReloadCommand.Create(),
        StatusCommand.Create(),
        DumpsCommand.Create(),
        CaptureCommand.Create(),
        TokenCommand.Create(),
        TriageCommand.Create(),
    };

    /// <summary><c>run</c> is the default verb: <c>kdumpd</c> and <c>kdumpd --config F</c> start the daemon.</summary>
    public static string[] WithDefaultVerb(string[] args) =>
        args.Length == 0 || (args[0].StartsWith('-') && args[0] is not ("-h" or "-?" or "--help" or "--version"))
            ? ["run", .. args]
            : args;

    public static async Task<int> RunAsync(string[] args, TextWriter? output = null, TextWriter? error = null)
    {
        args = WithDefaultVerb(args);
        var configuration = new InvocationConfiguration
        {
            Output = output ?? Console.Out,
            Error = error ?? Console.Error,
        };
        var parseResult = Create().Parse(args);
        if (parseResult.Errors.Count > 0)
        {
            foreach (var parseError in parseResult.Errors)
            {
                await configuration.Error.WriteLineAsync($"kdumpd: {parseError.Message}");
            }

            return UsageError;
        }

        return await parseResult.InvokeAsync(configuration);
    }

    public static Task<int> InvokeAsync(string[] args, InvocationConfiguration? configuration = null) =>
        RunAsync(args, configuration?.Output, configuration?.Error);
}
