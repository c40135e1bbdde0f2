using Kdumpd.Daemon.Configuration;

namespace Kdumpd.Daemon.Hosting;

public static class LifecycleRegistration
{
    /// <summary>
    /// Registers how the service lives under systemd: the configuration's reload on SIGHUP (the
    /// configuration in force is <see cref="PanicKernelArming"/>'s), the listen-address guard, the
    /// watchdog, the collection after the start (<see cref="StartupMemoryTrim"/>), and the unload at stop when configured.
    /// </summary>
    public static IServiceCollection AddServiceLifecycle(this IServiceCollection services, KdumpdOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        services.AddHostedService<SighupReloadService>();
        services.AddHostedService<ListenGuardService>();
        // UseSystemd() registers the notifier only under systemd.
        services.AddHostedService(sp => new SystemdWatchdogService(sp.GetService<Microsoft.Extensions.Hosting.Systemd.ISystemdNotifier>(), sp.GetRequiredService<TimeProvider>()));
        services.AddHostedService<StartupMemoryTrim>();
        if (options.UnloadOnStop)
        {
            services.AddHostedService<UnloadOnStopService>();
        }

        return services;
    }
}
