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
/// daemon's first pass (plan and load) runs before ASP.NET builds the web host and the other services:
/// at boot under emulation that build takes seconds, and a crash before the load is not captured.
/// The web host's container is then given these same instances; nothing is built twice.
/// </summary>
public sealed class PanicKernelArming
{
    /// <summary>Makes the objects; nothing runs until <see cref="Start"/>.</summary>
    /// <param name="loading">The loading options these options give (<see cref="DaemonHost.LoadingOptionsFrom"/>).</param>
    public PanicKernelArming(KdumpdOptions options, RunContext context, HostRoot host, GenerationStore generations, LoadingOptions loading,
        ReloadCoordinatorOptions coordinatorOptions, TimeProvider time, Serilog.ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(generations);
        ArgumentNullException.ThrowIfNull(loading);
        Generations = generations;
        var loaders = new PanicKernelLoaders(new KexecSysfs(host), new KexecSyscalls(), new ProcessRunner(), loading.KexecTools);
        Loading = new PanicKernelService(host, loaders, generations, loading, time, logger);
        Tokens = new ApiTokenSet(LiveConfiguration.TokensFrom(options, context));
        OperatorGate = new OperatorReloadGate(time, TimeSpan.FromSeconds(options.Reload.OperatorIntervalSeconds));

        // The header layout follows the loader of the last successful load, read from the database.
        var loadedBy = generations.LatestLoaded()?.Loader;
        var planning = DaemonHost.PlanningFor(options, host, loading, loadedBy);
        Configuration = new LiveConfiguration(options, context, host, Loading, Tokens, OperatorGate, planning, loadedBy, logger);
        State = new DaemonState { HostRootPath = host.Root };
        CrashHotplug = new CrashHotplugReader(host, time);
        Readiness = new ReadinessEvaluator(host, generations, time);
        Coordinator = new ReloadCoordinator(new DaemonReloadTarget(Configuration, Loading, CrashHotplug, State, logger), coordinatorOptions, time, Stats, logger);
        Loop = new ReloadCoordinatorService(Coordinator);
    }

    public GenerationStore Generations { get; }

    public PanicKernelService Loading { get; }

    public LiveConfiguration Configuration { get; }

    public ReloadCoordinator Coordinator { get; }

    /// <summary>The coordinator's loop, a hosted service whose start (and so READY) waits for the first pass.</summary>
    public ReloadCoordinatorService Loop { get; }

    public ReadinessEvaluator Readiness { get; }

    public CrashHotplugReader CrashHotplug { get; }

    public OperatorReloadGate OperatorGate { get; }

    public ReloadStats Stats { get; } = new();

    public DaemonState State { get; }

    /// <summary>The API's tokens: a configuration reload replaces them, so they live with the configuration in force.</summary>
    public ApiTokenSet Tokens { get; }

    /// <summary>Starts the coordinator's loop with the first pass; the web host's start then waits for that pass (READY).</summary>
    public void Start() => Loop.StartLoop();

    /// <summary>
    /// Gives the web host's container these instances. Registered by factory, so that the container
    /// disposes of them (and stops the loop) even when the host is never started.
    /// </summary>
    public IServiceCollection AddTo(IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddSingleton(Generations);
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
