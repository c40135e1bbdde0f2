using Kdumpd.Core.Reload;

namespace Kdumpd.Daemon.Watchers;

/// <summary>
/// Hosts the <see cref="ReloadCoordinator"/> loop and posts the Startup trigger. Its start returns only
/// after the first pass has finished (armed, or refused with its reason), bounded by
/// <see cref="FirstPassBound"/>: the host signals READY=1 to systemd after every hosted service has
/// started, so READY means "the first load attempt is over", not "the runtime is up".
/// </summary>
public sealed class ReloadCoordinatorService : BackgroundService
{
    /// <summary>Below the unit's TimeoutStartSec=120s, so a slow first load never gets the start killed.</summary>
    public static readonly TimeSpan FirstPassBound = TimeSpan.FromSeconds(90);

    private readonly ReloadCoordinator _coordinator;
    private readonly TaskCompletionSource<ReloadPassRecord> _firstPass = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ReloadCoordinatorService(ReloadCoordinator coordinator)
    {
        _coordinator = coordinator;
        _coordinator.PassCompleted += OnPass;
    }

    /// <summary>The first pass, once it has finished.</summary>
    public Task<ReloadPassRecord> FirstPass => _firstPass.Task;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await base.StartAsync(cancellationToken);
        try
        {
            await _firstPass.Task.WaitAsync(FirstPassBound, _coordinator.Time, cancellationToken);
        }
        catch (TimeoutException)
        {
            // Readiness is then reported as it is (unarmed) rather than the start being killed by systemd.
        }
        finally
        {
            _coordinator.PassCompleted -= OnPass;
        }
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _coordinator.Post(ReloadTrigger.Startup(_coordinator.Time.GetUtcNow()));
        return _coordinator.RunAsync(stoppingToken);
    }

    private void OnPass(ReloadPassRecord pass) => _firstPass.TrySetResult(pass);
}
