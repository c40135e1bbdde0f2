using System.CommandLine;

namespace Kdumpd.Daemon.Cli;

/// <summary>The kdumpd command line: one verb per file under Cli/, registered here.</summary>
public static class CliRoot
{
    /// <summary>Usage errors exit 2, so scripts can tell "you called me wrong" from "it failed" (1).</summary>
    public const int ExitUsage = 2;

    public static RootCommand Create() => new("kdumpd: keeps a Linux host ready to capture kernel crash dumps")
    {
        PlanCommand.Create(),
        DumpsCommand.Create(),
        CaptureCommand.Create(),
        TokenCommand.Create(),
    };

    public static async Task<int> InvokeAsync(string[] args, InvocationConfiguration? configuration = null)
    {
        var parseResult = Create().Parse(args);
        var exitCode = await parseResult.InvokeAsync(configuration);
        return parseResult.Errors.Count > 0 ? ExitUsage : exitCode;
    }
}
