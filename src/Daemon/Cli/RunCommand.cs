using System.CommandLine;
using System.Diagnostics;
using Kdumpd.Api.Auth;
using Kdumpd.Core.Catalog;
using Kdumpd.Core.Host;
using Kdumpd.Core.Loading;
using Kdumpd.Core.Processes;
using Kdumpd.Daemon.Configuration;
using Kdumpd.Daemon.Hosting;
using Kdumpd.Daemon.Logging;

namespace Kdumpd.Daemon.Cli;

/// <summary>
/// <c>kdumpd run</c>, the default verb: the long-running service. In a capture kernel (/proc/vmcore
/// exists and kdumpd's marker is on the command line) it saves the dump instead and runs the final action.
/// </summary>
public static class RunCommand
{
    public static Command Create()
    {
        var config = new Option<string?>("--config") { Description = $"configuration file (default {KdumpdOptions.DefaultConfigPath} when it exists)" };
        var hostRoot = new Option<string?>("--host-root") { Description = "read /proc, /sys and /boot under this directory" };
        var dumpDir = new Option<string?>("--dump-dir") { Description = $"where dumps are saved and catalogued (default {DumpCatalog.DefaultDumpDirectory})" };
        var urls = new Option<string?>("--urls") { Description = $"where the API listens (default {KdumpdOptions.DefaultUrls})" };
        var database = new Option<string?>("--database") { Description = $"the SQLite database (default {DumpCatalog.DefaultDatabasePath})" };
        var sample = new Option<bool>("--sample") { Description = "run on the built-in sample host with a dry-run loader: nothing on this machine is touched" };
        var command = new Command("run", "Run the daemon: keep the panic kernel loaded, watch the host, catalogue dumps, serve the API")
        {
            config, hostRoot, dumpDir, urls, database, sample,
        };
        command.SetAction((parse, ct) => RunAsync(
            parse.GetValue(config), parse.GetValue(hostRoot), parse.GetValue(dumpDir), parse.GetValue(urls), parse.GetValue(database), parse.GetValue(sample),
            parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, ct));
        return command;
    }

    public static async Task<int> RunAsync(string? configPath, string? hostRoot, string? dumpDir, string? urls, string? database, bool sample,
        TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var started = Stopwatch.StartNew();
        var cliMs = (long)StartupClock.SinceMain.TotalMilliseconds;
        var overrides = new Dictionary<string, string?>
        {
            ["HostRoot"] = hostRoot,
            ["DumpDir"] = dumpDir,
            ["Urls"] = urls,
            ["Database"] = database,
        };
        var tokens = new List<(string, ApiRole, string)>();
        if (sample)
        {
            if (hostRoot is null && !Directory.Exists(SampleHost.HostRoot))
            {
                // Without the tree every reload pass fails on a missing /proc/iomem and /readyz never turns 200.
                await error.WriteLineAsync($"kdumpd run: the sample host tree is missing: neither samples/host beside {Environment.ProcessPath} nor {SampleHost.PackagedHostRoot} exists (deploy/publish.sh and the package install it)");
                return ExitCodes.Error;
            }

            SampleHost.Apply(overrides);
            foreach (var role in new[] { ApiRole.Download, ApiRole.Operate })
            {
                var (secret, _) = ApiToken.Create($"sample-{role.Name()}", role);
                tokens.Add(($"sample-{role.Name()}", role, secret));
            }
        }

        var source = new ConfigurationSource(configPath, overrides, ReadDefaultFile: !sample);
        var loaded = source.Load();
        if (loaded.Options is not { } options)
        {
            foreach (var problem in loaded.Errors)
            {
                await error.WriteLineAsync($"kdumpd run: configuration: {problem}");
            }

            return ExitCodes.Error;
        }

        if (!sample && (RootRequirement.ForLoader(LoaderKinds.Parse(options.Loader.Mode)) ?? RootRequirement.ForDatabase(options.Database)) is { } needsRoot)
        {
            await error.WriteLineAsync($"kdumpd run: {needsRoot}");
            return ExitCodes.Error;
        }

        using var logger = LoggingSetup.Create(options.Logging);
        var host = new HostRoot(options.HostRoot);
        if (CaptureMode.Detect(host))
        {
            return await CaptureMode.RunAsync(host, options, logger, cancellationToken);
        }

        var context = new RunContext(configPath, sample, tokens) { Source = source, Configuration = loaded.Configuration };
        var configured = started.Elapsed;
        var app = DaemonHost.Build(options, context, logger);

        // Every millisecond between the unit's start and the first load is a crash that would not be captured.
        logger.Information(
            "Built the daemon in {StartMs} ms (configuration {ConfigurationMs} ms; database, first pass, services and web host {BuildMs} ms), after {ForkToMainMs} ms from the fork to Main (CPU {CpuBeforeMainMs} ms) and the command line's {CommandLineMs} ms; {MajorFaults} page faults read the disk",
            (long)started.Elapsed.TotalMilliseconds, (long)configured.TotalMilliseconds, (long)(started.Elapsed - configured).TotalMilliseconds,
            StartupClock.ForkToMain() is { } fork ? (long)fork.TotalMilliseconds : null,
            StartupClock.CpuBeforeMain is { } cpu ? (long)cpu.TotalMilliseconds : null, cliMs, StartupClock.MajorFaults());
        if (sample)
        {
            await output.WriteLineAsync($"kdumpd sample: host {options.HostRoot}, dry-run loader, dumps in {options.DumpDir}, database {options.Database}");
            foreach (var (name, role, secret) in tokens)
            {
                await output.WriteLineAsync($"  {role.Name(),-8} token: {secret}");
            }

            await output.WriteLineAsync($"  try: curl -H 'Authorization: Bearer {tokens[0].Item3}' {options.Urls.Split(';')[0]}/v1/status");
        }

        try
        {
            await app.RunAsync(cancellationToken);
            return ExitCodes.Ok;
        }
        catch (Exception e) when (e is IOException or InvalidOperationException)
        {
            logger.Fatal(e, "kdumpd could not start: {Reason}", e.Message);
            return ExitCodes.Error;
        }
    }
}
