using Kdumpd.Daemon.Configuration;

namespace Kdumpd.Daemon.Hosting;

public static class LifecycleRegistration
{
    /// <summary>
    /// Registers how the service lives under systemd: the configuration in force and its reload on
    /// SIGHUP, the listen-address guard, the watchdog, and the unload at stop when configured.
    /// </summary>
    public static IServiceCollection AddServiceLifecycle(this IServiceCollection services, KdumpdOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        services.AddSingleton<LiveConfiguration>();
        services.AddHostedService<SighupReloadService>();
        services.AddHostedService<ListenGuardService>();
        // UseSystemd() registers the notifier only under systemd.
        services.AddHostedService(sp => new SystemdWatchdogService(sp.GetService<Microsoft.Extensions.Hosting.Systemd.ISystemdNotifier>(), sp.GetRequiredService<TimeProvider>()));
        if (options.UnloadOnStop)
        {
            services.AddHostedService<UnloadOnStopService>();
        }

        return services;
    }
}
