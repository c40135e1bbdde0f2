using Kdumpd.Core.Capture;
using Kdumpd.Core.Host;
using Kdumpd.Core.Initrd;
using Kdumpd.Core.Processes;
using Serilog;

// kdumpd-init runs only as /init of kdumpd's capture initrd (PID 1, or argv[0] /init, with the capture
// spec present). Anywhere else it would mount, save and reboot the machine it was started on.
if (!CaptureInit.IsInitProcess(Environment.GetCommandLineArgs().FirstOrDefault()) || !File.Exists("/" + CaptureInitrdSpec.PathInInitrd))
{
    await Console.Error.WriteLineAsync($"kdumpd-init runs only as /init of kdumpd's capture initrd (with /{CaptureInitrdSpec.PathInInitrd}); kdumpd builds and loads that initrd");
    return 2;
}

var log = new LoggerConfiguration()
    .MinimumLevel.Information()
    .WriteTo.Console(outputTemplate: "kdumpd: {Message:lj}{NewLine}{Exception}")
    .CreateLogger();
var runner = new ProcessRunner();

// If the final action could not even reboot, returning makes PID 1 exit, the kernel panics, and panic= reboots.
var outcome = await new CaptureInit(
    new LinuxInitSystem(),
    (options, ct) => new DumpCapture(runner, HostRoot.System, log).RunAsync(options, ct)).RunAsync();
return outcome.Complete ? 0 : 1;
