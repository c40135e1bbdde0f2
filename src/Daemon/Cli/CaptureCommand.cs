using System.CommandLine;
using Kdumpd.Core.Capture;
using Kdumpd.Core.Catalog;
using Kdumpd.Core.Host;
using Kdumpd.Core.Processes;
using Serilog.Events;

namespace Kdumpd.Daemon.Cli;

/// <summary>
/// `kdumpd capture`: save /proc/vmcore (or --vmcore FILE) into the dump directory, then run the
/// final action. By hand the default final action is stay; the capture kernel's unit passes
/// --final-action reboot. Exit 0 = complete dump, 1 = incomplete or failed (after the final action).
/// </summary>
public static class CaptureCommand
{
    public static Command Create()
    {
        var vmcore = new Option<string>("--vmcore") { Description = "The vmcore to save", DefaultValueFactory = _ => CaptureOptions.ProcVmcore };
        var dumpDir = new Option<string>("--dump-dir") { Description = "Directory to save the dump in", DefaultValueFactory = _ => DumpCatalog.DefaultDumpDirectory };
        var collector = new Option<CollectorKind>("--collector")
        {
            Description = "auto: makedumpfile when on PATH, else the built-in writer (zero pages become sparse holes); makedumpfile; builtin",
            DefaultValueFactory = _ => CollectorKind.Auto,
        };
        var makedumpfileArgs = new Option<string>("--makedumpfile-args")
        {
            Description = "makedumpfile arguments before the input and output files",
            DefaultValueFactory = _ => string.Join(' ', CaptureOptions.DefaultMakedumpfileArguments),
        };
        var finalAction = new Option<FinalAction>("--final-action")
        {
            Description = "What to do afterwards: reboot, poweroff or stay (default when run by hand)",
            DefaultValueFactory = _ => FinalAction.Stay,
        };
        var hostname = new Option<string?>("--hostname") { Description = "Host name for the dump directory (default: the machine name)" };
        var generation = new Option<long?>("--generation") { Description = "Generation in force at the crash (default: kdumpd.generation=N from /proc/cmdline)" };
        var command = new Command("capture", "Save a crash dump (in the capture kernel), then run the final action");
        command.Options.Add(vmcore);
        command.Options.Add(dumpDir);
        command.Options.Add(collector);
        command.Options.Add(makedumpfileArgs);
        command.Options.Add(finalAction);
        command.Options.Add(hostname);
        command.Options.Add(generation);
        command.SetAction(async (result, cancellationToken) =>
        {
            var log = DumpsOptions.StderrLogger(LogEventLevel.Information);
            var runner = new ProcessRunner();
            var options = new CaptureOptions
            {
                VmcorePath = result.GetValue(vmcore)!,
                DumpDirectory = result.GetValue(dumpDir)!,
                Collector = result.GetValue(collector),
                MakedumpfileArguments = result.GetValue(makedumpfileArgs)!.Split(' ', StringSplitOptions.RemoveEmptyEntries),
                FinalAction = result.GetValue(finalAction),
                Hostname = result.GetValue(hostname),
                Generation = result.GetValue(generation),
            };
            if (!RootRequirement.IsRoot && options.VmcorePath == CaptureOptions.ProcVmcore)
            {
                // Not the capture kernel (it runs kdumpd as root): no final action either.
                await result.InvocationConfiguration.Error.WriteLineAsync("kdumpd capture: needs root: /proc/vmcore is readable by root only (or save another file with --vmcore FILE)");
                return ExitCodes.Error;
            }

            var code = ExitCodes.Error;
            try
            {
                if (!File.Exists(options.VmcorePath))
                {
                    log.Error("No vmcore at {Vmcore}: not running in a capture kernel? (use --vmcore FILE)", options.VmcorePath);
                    code = ExitCodes.NotOperational;
                }
                else
                {
                    var capture = await new DumpCapture(runner, HostRoot.System, log).RunAsync(options, cancellationToken);
                    result.InvocationConfiguration.Output.WriteLine(capture.Directory);
                    code = capture.Complete ? ExitCodes.Ok : ExitCodes.Error;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Whatever went wrong, the capture kernel must still reboot.
                log.Error("Capture failed: {Error}", e.Message);
            }

            await new FinalActionRunner(runner, log).RunAsync(options.FinalAction, cancellationToken);
            return code;
        });
        return command;
    }
}
