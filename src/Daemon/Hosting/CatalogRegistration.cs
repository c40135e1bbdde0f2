using Kdumpd.Api.Contracts;
using Kdumpd.Core.Catalog;
using Kdumpd.Daemon.Configuration;

namespace Kdumpd.Daemon.Hosting;

public static class CatalogRegistration
{
    /// <summary>
    /// Registers the dump catalogue over the registered database, the disk-space probe, the crash groups
    /// the API serves, and the upkeep loop (rescan, coverage, retention).
    /// </summary>
    public static IServiceCollection AddCatalog(this IServiceCollection services, KdumpdOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        services.AddSingleton(sp => new DumpCatalog(sp.GetRequiredService<KdumpdDatabase>(), options.DumpDir, sp.GetRequiredService<Serilog.ILogger>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<DiskSpace>();
        services.AddSingleton<ICrashGroups>(sp => new CatalogCrashGroups(sp.GetRequiredService<DumpCatalog>()));
        services.AddSingleton<CatalogMaintenanceService>();
        services.AddHostedService(sp => sp.GetRequiredService<CatalogMaintenanceService>());
        return services;
    }
}
