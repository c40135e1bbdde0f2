using System.CommandLine;

namespace Kdumpd.Daemon.Cli;

/// <summary>The `kdumpd` command tree. Exit codes: 0 ok, 1 error, 2 usage, 3 not operational.</summary>
public static class CliRoot
{
    public const int UsageError = 2;

    public static RootCommand Create() => new("kdumpd: keeps this host ready to capture kernel crash dumps")
    {
        LoadCommand.Create(),
        UnloadCommand.Create(),
        StatusCommand.Create(),
    };

    public static async Task<int> RunAsync(string[] args, TextWriter? output = null, TextWriter? error = null)
    {
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
}
