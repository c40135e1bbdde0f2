using Kdumpd.Core.Host;

namespace Kdumpd.Core.Capture;

/// <summary>
/// Tells whether kdumpd runs in a capture kernel it loaded: /proc/vmcore exists and the command
/// line carries kdumpd's marker (`kdumpd.capture` or `kdumpd.generation=N`). The daemon then runs
/// <see cref="DumpCapture"/> instead of its normal duties.
/// </summary>
public static class CaptureEnvironment
{
    public const string Marker = "kdumpd.capture";
    public const string GenerationArgument = "kdumpd.generation=";

    public static bool IsCaptureKernel(HostRoot host)
    {
        ArgumentNullException.ThrowIfNull(host);
        if (!host.FileExists(CaptureOptions.ProcVmcore))
        {
            return false;
        }

        var cmdline = host.TryReadText("/proc/cmdline") ?? "";
        return cmdline.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)
            .Any(a => a == Marker || a.StartsWith(Marker + "=", StringComparison.Ordinal) || a.StartsWith(GenerationArgument, StringComparison.Ordinal));
    }
}
