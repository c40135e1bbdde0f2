using Kdumpd.Core.Catalog;
using Kdumpd.Core.Host;
using Kdumpd.Core.Loading;
using Kdumpd.Core.Processes;
using Kdumpd.Core.Reload;
using Kdumpd.Daemon.Configuration;

namespace Kdumpd.Daemon.Hosting;

public static class PanicKernelRegistration
{
    /// <summary>
    /// Registers what keeps the panic kernel loaded: the generations (opened by the caller), the loaders, the loading service,
    /// readiness, the crash-hotplug reader, the reload target the coordinator drives, and the
    /// operator's reload rate limit.
    /// </summary>
    public static IServiceCollection AddPanicKernel(this IServiceCollection services, KdumpdOptions options, HostRoot host, LoadingOptions loading, GenerationStore generations)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loading);
        services.AddSingleton(generations);
        services.AddSingleton(sp => new PanicKernelLoaders(new KexecSysfs(host), new KexecSyscalls(), new ProcessRunner(), loading.KexecTools));
        services.AddSingleton(sp => new PanicKernelService(host, sp.GetRequiredService<PanicKernelLoaders>(), sp.GetRequiredService<GenerationStore>(), loading,
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<Serilog.ILogger>()));
        services.AddSingleton(sp => new ReadinessEvaluator(host, sp.GetRequiredService<GenerationStore>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new CrashHotplugReader(host, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IReloadTarget, DaemonReloadTarget>();
        services.AddSingleton(sp => new OperatorReloadGate(sp.GetRequiredService<TimeProvider>(), TimeSpan.FromSeconds(options.Reload.OperatorIntervalSeconds)));
        return services;
    }
}
