using Kdumpd.Core.Capture;
using Kdumpd.Core.Host;
using Kdumpd.Core.Processes;
using Kdumpd.Daemon.Configuration;
using CaptureOptions = Kdumpd.Core.Capture.CaptureOptions;

namespace Kdumpd.Daemon.Hosting;

/// <summary>
/// The daemon started inside the capture kernel kdumpd loaded: save /proc/vmcore, then the final
/// action. Whatever fails, the final action still runs: a capture kernel must not sit there forever.
/// </summary>
public static class CaptureMode
{
    public static bool Detect(HostRoot host) => CaptureEnvironment.IsCaptureKernel(host);

    public static async Task<int> RunAsync(HostRoot host, KdumpdOptions options, Serilog.ILogger log, CancellationToken cancellationToken)
    {
        var capture = new CaptureOptions
        {
            VmcorePath = host.Resolve(CaptureOptions.ProcVmcore),
            DumpDirectory = options.DumpDir,
            Collector = Enum.Parse<CollectorKind>(options.Capture.Collector, ignoreCase: true),
            MakedumpfileArguments = options.Capture.MakedumpfileArgs.Split(' ', StringSplitOptions.RemoveEmptyEntries),
            FinalAction = Enum.Parse<FinalAction>(options.Capture.FinalAction, ignoreCase: true),
        };
        log.Information("Capture kernel detected: saving {Vmcore} into {DumpDir}, then {FinalAction}", capture.VmcorePath, capture.DumpDirectory, capture.FinalAction);
        var runner = new ProcessRunner();
        var code = 1;
        try
        {
            var result = await new DumpCapture(runner, host, log).RunAsync(capture, cancellationToken);
            code = result.Complete ? 0 : 1;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            // One clear line: the capture kernel's console is all an operator may ever see.
            log.Error("Capture failed: {Error}", e.Message);
        }

        await new FinalActionRunner(runner, log).RunAsync(capture.FinalAction, cancellationToken);
        return code;
    }
}
