using Kdumpd.Core.Egress;

namespace Kdumpd.Daemon.Hosting;

/// <summary>
/// Runs egress passes: at start (uploads a killed daemon left behind resume from their journals),
/// every minute (new dumps, hashed by the catalogue upkeep), and at once when an operator asks.
/// </summary>
public sealed class EgressService(EgressCoordinator egress, TimeProvider time, ILogger<EgressService> log) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    private readonly SemaphoreSlim _wake = new(0);

    /// <summary>Wakes the loop now (POST /v1/dumps/{id}/upload).</summary>
    public void Trigger()
    {
        if (_wake.CurrentCount == 0)
        {
            _wake.Release();
        }
    }

    public override void Dispose()
    {
        _wake.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (egress.Targets.Count == 0)
        {
            return;
        }

        var resumed = egress.RecoverInterrupted();
        log.LogInformation("Egress to {Targets}; {Resumed} interrupted uploads resume", string.Join(", ", egress.Targets.Select(t => $"{t.Name} ({t.Kind})")), resumed);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await egress.RunPassAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                log.LogError(e, "Egress pass failed; next pass in {Interval}", Interval);
            }

            using var timeout = new CancellationTokenSource(Interval, time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, stoppingToken);
            try
            {
                await _wake.WaitAsync(linked.Token);
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
            }
        }
    }
}
