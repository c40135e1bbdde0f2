using Kdumpd.Daemon.Cli;
using Kdumpd.Daemon.Hosting;

// As /init of kdumpd's capture initrd the binary has one job and no command line.
if (InitMode.Detect())
{
    return await InitMode.RunAsync();
}

return await CliRoot.RunAsync(args);
