using System.CommandLine;

namespace Kdumpd.Daemon.Cli;

/// <summary>`kdumpd dumps`: list, show, rescan.</summary>
public static class DumpsCommand
{
    public static Command Create()
    {
        var command = new Command("dumps", "Crash dumps found in the dump directory (kdumpd's and those of kdump-utils, kdump-tools and SUSE kdump)");
        command.Subcommands.Add(DumpsListCommand.Create());
        command.Subcommands.Add(DumpsShowCommand.Create());
        command.Subcommands.Add(DumpsRescanCommand.Create());
        return command;
    }
}
