using Kdumpd.Daemon.Cli;

return await CliRoot.Create().Parse(args).InvokeAsync();
