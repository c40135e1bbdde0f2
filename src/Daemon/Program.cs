using Kdumpd.Daemon.Cli;

return await CliRoot.RunAsync(args);
