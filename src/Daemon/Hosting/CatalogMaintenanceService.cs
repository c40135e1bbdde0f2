using Kdumpd.Core.Catalog;
using Kdumpd.Daemon.Configuration;
using CoreDumpQuery = Kdumpd.Core.Catalog.DumpQuery;

namespace Kdumpd.Daemon.Hosting;

/// <summary>
/// Keeps the catalogue true to the disk: a rescan at start and every minute (incremental: unchanged
/// files are skipped), SHA-256 of new dumps in the background, each dump held against the plan of
/// the generation in force when it was captured, then retention.
/// </summary>
public sealed class CatalogMaintenanceService(
    DumpCatalog catalog,
    GenerationStore generations,
    KdumpdOptions options,
    TimeProvider time,
    Kdumpd.Core.Egress.EgressCoordinator egress,
    ILogger<CatalogMaintenanceService> log) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    private readonly TaskCompletionSource _firstScan = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the start-up scan is done (tests and the start-up log wait on it).</summary>
    public Task FirstScan => _firstScan.Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                log.LogError(e, "Catalogue maintenance failed; retrying in {Interval}", Interval);
            }
            finally
            {
                _firstScan.TrySetResult();
            }

            await Task.Delay(Interval, time, stoppingToken);
        }
    }

    public async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        await catalog.ScanAsync(cancellationToken); // logs what changed itself
        EvaluateCoverage();
        var hashed = await catalog.HashPendingAsync(cancellationToken);
        if (hashed > 0)
        {
            log.LogInformation("Computed SHA-256 of {Count} dumps", hashed);
        }

        var r = options.Retention;
        if (r.KeepDumps > 0 || r.MaxBytes > 0 || r.MinFreeBytes > 0)
        {
            catalog.ApplyRetention(new RetentionPolicy(
                r.KeepDumps > 0 ? r.KeepDumps : null,
                r.MaxBytes > 0 ? r.MaxBytes : null,
                r.MinFreeBytes > 0 ? r.MinFreeBytes : null,
                egress.Targets.Count == 0 ? null : egress.HoldReason));
        }
    }

    /// <summary>Did each dump get every range its generation's plan promised? Asked once per dump.</summary>
    private void EvaluateCoverage()
    {
        foreach (var dump in catalog.List(new CoreDumpQuery(Limit: 1000)).Items.Where(d => d.Generation is not null && d.CoversPlan is null && d.VmcorePath is not null))
        {
            var header = generations.Get((int)dump.Generation!.Value)?.ElfCoreHeader;
            if (header is null)
            {
                continue;
            }

            var ranges = DumpCoverage.PromisedBy(header);
            if (ranges is { Count: > 0 })
            {
                var covers = catalog.EvaluateCoverage(dump.Id, ranges);
                if (covers == false)
                {
                    log.LogWarning("Dump {DumpId} does not cover every range of generation {Generation}'s plan: memory is missing from it", dump.Id, dump.Generation);
                }
            }
        }
    }
}
