using Kdumpd.Core.Reload;

namespace Kdumpd.Daemon.Watchers;

/// <summary>
/// Runs the <see cref="ReloadCoordinator"/> loop, started with the Startup trigger. The daemon starts
/// the loop before its web host is built (<see cref="StartLoop"/>) and waits for the first pass before
/// building it; otherwise the service's start does both. Its start returns only after the first pass
/// has finished (armed, or refused with its reason), bounded by <see cref="FirstPassBound"/> from the
/// loop's start: the host signals READY=1 to systemd after every hosted service has started, so READY
/// means "the first load attempt is over", not "the runtime is up".
/// A loop that fails stops the host, as any background service's failure does.
/// </summary>
public sealed class ReloadCoordinatorService : BackgroundService
{
    /// <summary>Below the unit's TimeoutStartSec=120s, so a slow first load never gets the start killed.</summary>
    public static readonly TimeSpan FirstPassBound = TimeSpan.FromSeconds(90);

    private readonly ReloadCoordinator _coordinator;
    private readonly TaskCompletionSource<ReloadPassRecord> _firstPass = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // The loop may run before the host exists, so it has its own stop, tied to the host's once it runs.
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _gate = new();
    private Task? _loop;
    private long _loopStartedAt;

    public ReloadCoordinatorService(ReloadCoordinator coordinator)
    {
        _coordinator = coordinator;
        _coordinator.PassCompleted += OnPass;
    }

    /// <summary>The first pass, once it has finished.</summary>
    public Task<ReloadPassRecord> FirstPass => _firstPass.Task;

    /// <summary>Posts the Startup trigger and runs the loop on the thread pool; only the first call does anything.</summary>
    public void StartLoop() => _ = Loop();

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        StartLoop();
        await base.StartAsync(cancellationToken);
        await WaitForFirstPassAsync(cancellationToken);
    }

    /// <summary>
    /// Waits until the first pass has finished or <see cref="FirstPassBound"/> has passed since the loop
    /// started, whichever comes first; true when the pass has finished. One deadline for every waiter,
    /// so waiting before the web host is built and again in <see cref="StartAsync"/> never adds up.
    /// </summary>
    public async Task<bool> WaitForFirstPassAsync(CancellationToken cancellationToken)
    {
        StartLoop();
        var left = FirstPassBound - _coordinator.Time.GetElapsedTime(Interlocked.Read(ref _loopStartedAt));
        try
        {
            await _firstPass.Task.WaitAsync(left > TimeSpan.Zero ? left : TimeSpan.Zero, _coordinator.Time, cancellationToken);
            return true;
        }
        catch (TimeoutException)
        {
            // Readiness is then reported as it is (unarmed) rather than the start being killed by systemd.
            return false;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await using (stoppingToken.Register(_stopping.Cancel))
        {
            await Loop();
        }
    }

    /// <summary>
    /// Also stops a loop whose host never started (the daemon's build failed after <see cref="StartLoop"/>).
    /// May be called twice (one instance, two registrations); the token source is cancelled, not disposed,
    /// as the loop may still be unwinding with its token.
    /// </summary>
    public override void Dispose()
    {
        _coordinator.PassCompleted -= OnPass;
        _stopping.Cancel();
        base.Dispose();
    }

    /// <summary>The loop, started by the first call.</summary>
    private Task Loop()
    {
        lock (_gate)
        {
            if (_loop is null)
            {
                Interlocked.Exchange(ref _loopStartedAt, _coordinator.Time.GetTimestamp());
                _coordinator.Post(ReloadTrigger.Startup(_coordinator.Time.GetUtcNow()));
                var stopping = _stopping.Token;
                _loop = Task.Run(() => _coordinator.RunAsync(stopping), CancellationToken.None);
            }

            return _loop;
        }
    }

    private void OnPass(ReloadPassRecord pass)
    {
        if (_firstPass.TrySetResult(pass))
        {
            _coordinator.PassCompleted -= OnPass;
        }
    }
}
