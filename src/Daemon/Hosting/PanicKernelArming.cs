using Kdumpd.Api.Auth;
using Kdumpd.Core.Catalog;
using Kdumpd.Core.Host;
using Kdumpd.Core.Loading;
using Kdumpd.Core.Processes;
using Kdumpd.Core.Reload;
using Kdumpd.Daemon.Configuration;
using Kdumpd.Daemon.Watchers;

namespace Kdumpd.Daemon.Hosting;

/// <summary>
/// What keeps the panic kernel loaded (the loaders, the loading service, the configuration in force,
/// the reload coordinator and its target), made by hand as soon as the database is open, so that the
/// daemon's first pass (plan and load) runs while ASP.NET builds the web host and the other services:
/// at boot under emulation that build takes seconds, and a crash before the load is not captured.
/// The web host's container is then given these same instances; nothing is built twice.
/// </summary>
public sealed class PanicKernelArming
{
    private PanicKernelArming(
        PanicKernelService loading,
        LiveConfiguration configuration,
        ReloadCoordinator coordinator,
        ReloadCoordinatorService loop,
        ReadinessEvaluator readiness,
        CrashHotplugReader crashHotplug,
        OperatorReloadGate operatorGate,
        ReloadStats stats,
        DaemonState state,
        ApiTokenSet tokens)
    {
        Loading = loading;
        Configuration = configuration;
        Coordinator = coordinator;
        Loop = loop;
        Readiness = readiness;
        CrashHotplug = crashHotplug;
        OperatorGate = operatorGate;
        Stats = stats;
        State = state;
        Tokens = tokens;
    }

    public PanicKernelService Loading { get; }

    public LiveConfiguration Configuration { get; }

    public ReloadCoordinator Coordinator { get; }

    /// <summary>The coordinator's loop, a hosted service whose start (and so READY) waits for the first pass.</summary>
    public ReloadCoordinatorService Loop { get; }

    public ReadinessEvaluator Readiness { get; }

    public CrashHotplugReader CrashHotplug { get; }

    public OperatorReloadGate OperatorGate { get; }

    public ReloadStats Stats { get; }

    public DaemonState State { get; }

    /// <summary>The API's tokens: a configuration reload replaces them, so they live with the configuration in force.</summary>
    public ApiTokenSet Tokens { get; }

    /// <summary>Makes the objects; nothing runs until <see cref="Start"/>.</summary>
    public static PanicKernelArming Create(KdumpdOptions options, RunContext context, HostRoot host, GenerationStore generations,
        ReloadCoordinatorOptions coordinatorOptions, TimeProvider time, Serilog.ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(generations);
        var loadingOptions = DaemonHost.LoadingOptionsFrom(options);
        var loaders = new PanicKernelLoaders(new KexecSysfs(host), new KexecSyscalls(), new ProcessRunner(), loadingOptions.KexecTools);
        var loading = new PanicKernelService(host, loaders, generations, loadingOptions, time, logger);
        var tokens = new ApiTokenSet(LiveConfiguration.TokensFrom(options, context));
        var operatorGate = new OperatorReloadGate(time, TimeSpan.FromSeconds(options.Reload.OperatorIntervalSeconds));

        // The header layout follows the loader of the last successful load, read from the database.
        var loadedBy = generations.LatestLoaded()?.Loader;
        var planning = DaemonHost.PlanningFor(options, host, loadingOptions, loadedBy);
        var configuration = new LiveConfiguration(options, context, host, loading, tokens, operatorGate, planning, loadedBy, logger);
        var state = new DaemonState { HostRootPath = host.Root };
        var crashHotplug = new CrashHotplugReader(host, time);
        var target = new DaemonReloadTarget(configuration, loading, crashHotplug, state, logger);
        var stats = new ReloadStats();
        var coordinator = new ReloadCoordinator(target, coordinatorOptions, time, stats, logger);
        return new PanicKernelArming(loading, configuration, coordinator, new ReloadCoordinatorService(coordinator), new ReadinessEvaluator(host, generations, time),
            crashHotplug, operatorGate, stats, state, tokens);
    }

    /// <summary>Starts the coordinator's loop with the first pass; the web host's start then waits for that pass (READY).</summary>
    public void Start() => Loop.StartLoop();

    /// <summary>
    /// Gives the web host's container these instances. Registered by factory, so that the container
    /// disposes of them (and stops the loop) even when the host is never started.
    /// </summary>
    public IServiceCollection AddTo(IServiceCollection services, GenerationStore generations)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddSingleton(generations);
        services.AddSingleton(_ => Loading);
        services.AddSingleton(_ => Configuration);
        services.AddSingleton(_ => Coordinator);
        services.AddSingleton(_ => Loop);
        services.AddSingleton(Readiness);
        services.AddSingleton(CrashHotplug);
        services.AddSingleton(OperatorGate);
        services.AddSingleton(Stats);
        services.AddSingleton(State);
        return services; // the tokens go to the API (AddKdumpdApi)
    }
}
