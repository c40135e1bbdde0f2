using System.CommandLine;

namespace Kdumpd.Daemon.Cli;

/// <summary>The `kdumpd` command line: one file per verb, registered here.</summary>
public static class CliRoot
{
    public static RootCommand Create()
    {
        var root = new RootCommand("kdumpd: plans, loads and watches the kdump panic kernel, saves and catalogues crash dumps");
        root.Subcommands.Add(DumpsCommand.Create());
        root.Subcommands.Add(CaptureCommand.Create());
        return root;
    }
}
