using Kdumpd.Core.Reload;

namespace Kdumpd.Daemon.Watchers;

/// <summary>
/// Every <see cref="WatchOptions.ReconcileInterval"/> (default 5 min) posts a reconcile trigger:
/// the coordinator re-probes and compares fingerprints, which catches whatever the event sources
/// missed (no netlink, lost uevents, a file replaced while the watcher was down).
/// </summary>
public sealed class PeriodicReconciler : BackgroundService
{
    public const string WatcherName = "reconcile";

    private readonly ReloadCoordinator _coordinator;
    private readonly TimeSpan _interval;

    public PeriodicReconciler(ReloadCoordinator coordinator, WatchOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.ReconcileInterval, TimeSpan.Zero);
        _coordinator = coordinator;
        _interval = options.ReconcileInterval;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_interval, _coordinator.Time);
        _coordinator.Stats.SetWatcher(WatcherName, true, $"every {_interval}");
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                _coordinator.Post(ReloadTrigger.Reconcile(_coordinator.Time.GetUtcNow()));
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // shutting down
        }
        finally
        {
            _coordinator.Stats.SetWatcher(WatcherName, false, "stopped");
        }
    }
}
