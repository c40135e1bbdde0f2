using Kdumpd.Core.Capture;
using Kdumpd.Core.Host;
using Kdumpd.Core.Initrd;
using Kdumpd.Core.Processes;
using Serilog;

namespace Kdumpd.Daemon.Hosting;

/// <summary>
/// kdumpd started as /init of its own capture initrd (PID 1, or argv[0] = /init, with the capture spec
/// present): run <see cref="CaptureInit"/> with the real syscalls and the existing capture code. If the
/// final action could not even reboot, returning makes PID 1 exit, the kernel panics, and panic= reboots.
/// </summary>
public static class InitMode
{
    public static bool Detect() =>
        CaptureInit.IsInitProcess(Environment.GetCommandLineArgs().FirstOrDefault()) && File.Exists("/" + CaptureInitrdSpec.PathInInitrd);

    public static async Task<int> RunAsync()
    {
        var log = new LoggerConfiguration()
            .MinimumLevel.Information()
            .WriteTo.Console(outputTemplate: "kdumpd: {Message:lj}{NewLine}{Exception}")
            .CreateLogger();
        var runner = new ProcessRunner();
        var outcome = await new CaptureInit(
            new LinuxInitSystem(),
            (options, ct) => new DumpCapture(runner, HostRoot.System, log).RunAsync(options, ct)).RunAsync();
        return outcome.Complete ? 0 : 1;
    }
}
