using Kdumpd.Core.Catalog;
using Kdumpd.Core.Egress;
using Kdumpd.Daemon.Configuration;

namespace Kdumpd.Daemon.Hosting;

public static class EgressServiceCollectionExtensions
{
    /// <summary>
    /// Registers egress: the state store, the metrics, the coordinator over the configured targets
    /// (none configured = nothing is shipped, the API shows no egress state) and its hosted loop.
    /// </summary>
    public static IServiceCollection AddEgress(this IServiceCollection services, KdumpdOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var targets = EgressTargetFactory.Create(options.Egress);
        var staging = options.Egress.StagingDirectory is { Length: > 0 } s ? s : Path.Join(Path.GetDirectoryName(Path.GetFullPath(options.Database)), "egress");
        var settings = new EgressOptions(targets, staging, Environment.MachineName, TimeSpan.FromMinutes(options.Egress.RetryFailedMinutes));
        services.AddSingleton<EgressMetrics>();
        services.AddSingleton(sp => new EgressStateStore(sp.GetRequiredService<KdumpdDatabase>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new EgressCoordinator(settings, EgressUploaders.For, sp.GetRequiredService<DumpCatalog>(), sp.GetRequiredService<GenerationStore>(),
            sp.GetRequiredService<EgressStateStore>(), sp.GetRequiredService<EgressMetrics>(), sp.GetRequiredService<Serilog.ILogger>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<EgressService>();
        services.AddHostedService(sp => sp.GetRequiredService<EgressService>());
        return services;
    }
}
