using Kdumpd.Core.Host;
using Kdumpd.Core.Planning;

namespace Kdumpd.Core.Capture;

/// <summary>
/// Tells whether kdumpd runs in a capture kernel it loaded: /proc/vmcore exists and the command line
/// carries kdumpd's marker (<see cref="CaptureCommandLine.IsCaptureKernel"/>, the one definition of the
/// contract). The daemon then runs <see cref="DumpCapture"/> instead of its normal duties.
/// </summary>
public static class CaptureEnvironment
{
    public static bool IsCaptureKernel(HostRoot host)
    {
        ArgumentNullException.ThrowIfNull(host);
        return host.FileExists(CaptureOptions.ProcVmcore) && CaptureCommandLine.IsCaptureKernel(host.TryReadText("/proc/cmdline") ?? "");
    }
}
