using Kdumpd.Core.Hotplug;
using Kdumpd.Core.Reload;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Kdumpd.Daemon.Watchers;

public static class WatchServiceCollectionExtensions
{
    /// <summary>
    /// Registers the reload coordinator and every watcher as hosted services. The caller registers
    /// the <see cref="IReloadTarget"/> (planner + loader), or the coordinator, its stats and its loop
    /// service already made (the daemon makes them before its web host). A Serilog.ILogger in the
    /// container is used for the Core types, else Serilog's static Log.Logger.
    /// </summary>
    public static IServiceCollection AddReloadWatching(this IServiceCollection services, WatchOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Coordinator.Validate();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(options);
        services.TryAddSingleton<ReloadStats>();
        services.TryAddSingleton(sp => new ReloadCoordinator(
            sp.GetRequiredService<IReloadTarget>(),
            options.Coordinator,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ReloadStats>(),
            sp.GetService<Serilog.ILogger>() ?? Serilog.Log.Logger));
        services.AddSingleton(sp => new UeventDispatcher(
            sp.GetRequiredService<ReloadCoordinator>(),
            sp.GetService<Serilog.ILogger>() ?? Serilog.Log.Logger));
        services.TryAddSingleton<ReloadCoordinatorService>();
        services.AddHostedService(sp => sp.GetRequiredService<ReloadCoordinatorService>());
        if (options.Netlink)
        {
            services.AddSingleton<NetlinkUeventListener>();
            services.AddHostedService(sp => sp.GetRequiredService<NetlinkUeventListener>());
        }

        services.AddSingleton<FileChangeWatcher>();
        services.AddHostedService(sp => sp.GetRequiredService<FileChangeWatcher>());
        if (options.KmsgPath is not null)
        {
            services.AddSingleton<KmsgWatcher>();
            services.AddHostedService(sp => sp.GetRequiredService<KmsgWatcher>());
        }

        services.AddSingleton<PeriodicReconciler>();
        services.AddHostedService(sp => sp.GetRequiredService<PeriodicReconciler>());
        return services;
    }
}
