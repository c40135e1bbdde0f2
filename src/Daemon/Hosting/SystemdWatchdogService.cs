using Microsoft.Extensions.Hosting.Systemd;

namespace Kdumpd.Daemon.Hosting;

/// <summary>
/// WATCHDOG=1 at half the interval systemd asked for (WATCHDOG_USEC): UseSystemd() only sends
/// READY and STOPPING. The ping comes from the same loop that serves requests, so a wedged
/// process stops pinging and systemd restarts it.
/// </summary>
public sealed class SystemdWatchdogService(ISystemdNotifier? notifier, TimeProvider time) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (notifier is not { IsEnabled: true }
            || !long.TryParse(Environment.GetEnvironmentVariable("WATCHDOG_USEC"), out var usec) || usec <= 0)
        {
            return;
        }

        var period = TimeSpan.FromMicroseconds(usec / 2.0);
        while (!stoppingToken.IsCancellationRequested)
        {
            notifier.Notify(new ServiceState("WATCHDOG=1"));
            await Task.Delay(period, time, stoppingToken);
        }
    }
}
