using Kdumpd.Core.Reload;

namespace Kdumpd.Daemon.Watchers;

/// <summary>Hosts the <see cref="ReloadCoordinator"/> loop and posts the Startup trigger.</summary>
public sealed class ReloadCoordinatorService : BackgroundService
{
    private readonly ReloadCoordinator _coordinator;

    public ReloadCoordinatorService(ReloadCoordinator coordinator) => _coordinator = coordinator;

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _coordinator.Post(ReloadTrigger.Startup(_coordinator.Time.GetUtcNow()));
        return _coordinator.RunAsync(stoppingToken);
    }
}
