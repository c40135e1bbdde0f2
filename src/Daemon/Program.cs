using Kdumpd.Daemon.Cli;

return await CliRoot.InvokeAsync(args);
