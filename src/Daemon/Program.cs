using Kdumpd.Core.Processes;
using Kdumpd.Daemon.Cli;

StartupClock.MarkMain();
return await CliRoot.RunAsync(args);
