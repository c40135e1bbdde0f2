using System.Globalization;
using Kdumpd.Core.Capture;
using Kdumpd.Core.Host;
using Kdumpd.Core.Processes;
using Kdumpd.Daemon.Configuration;
using Microsoft.Extensions.Hosting.Systemd;
using CaptureOptions = Kdumpd.Core.Capture.CaptureOptions;

namespace Kdumpd.Daemon.Hosting;

/// <summary>
/// The fallback: the daemon started by the booted system inside a capture kernel (Capture:Initrd =
/// distribution; with kdumpd's own initrd the capture runs as /init and this unit never starts). It saves
/// /proc/vmcore, then the final action. Under systemd it extends its start timeout while it works
/// (EXTEND_TIMEOUT_USEC), and a marker under /run makes a restarted unit skip straight to the final action:
/// the capture can never loop. Whatever fails, the final action still runs.
/// </summary>
public static class CaptureMode
{
    /// <summary>Written before the capture starts; /run is a tmpfs, so it lives exactly as long as this capture kernel.</summary>
    public const string AttemptMarker = "/run/kdumpd/capture-attempted";

    /// <summary>How often the start timeout is pushed out, and by how much.</summary>
    private static readonly TimeSpan _extendEvery = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan _extendBy = TimeSpan.FromSeconds(60);

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
        var runner = new ProcessRunner();
        var marker = host.Resolve(AttemptMarker);
        if (File.Exists(marker))
        {
            log.Error("A capture was already attempted in this capture kernel ({Marker}): not capturing again, running the final action {FinalAction}", marker, capture.FinalAction);
            await new FinalActionRunner(runner, log).RunAsync(capture.FinalAction == FinalAction.Stay ? FinalAction.Reboot : capture.FinalAction, cancellationToken);
            return 1;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(marker)!);
        await File.WriteAllTextAsync(marker, DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture), cancellationToken);
        log.Information("Capture kernel detected: saving {Vmcore} into {DumpDir}, then {FinalAction}", capture.VmcorePath, capture.DumpDirectory, capture.FinalAction);

        using var extending = new CancellationTokenSource();
        var extender = ExtendStartTimeout(extending.Token);
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
        finally
        {
            await extending.CancelAsync();
            await extender;
        }

        await new FinalActionRunner(runner, log).RunAsync(capture.FinalAction, cancellationToken);
        return code;
    }

    /// <summary>Tells systemd, while the capture runs, that the start takes longer (no-op outside systemd).</summary>
    private static async Task ExtendStartTimeout(CancellationToken cancellationToken)
    {
        var notifier = new SystemdNotifier();
        if (!notifier.IsEnabled)
        {
            return;
        }

        var extend = new ServiceState(string.Create(CultureInfo.InvariantCulture, $"EXTEND_TIMEOUT_USEC={(long)_extendBy.TotalMicroseconds}"));
        try
        {
            while (true)
            {
                notifier.Notify(extend);
                await Task.Delay(_extendEvery, cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
