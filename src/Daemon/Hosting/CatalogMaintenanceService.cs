using Kdumpd.Core.Catalog;
using CoreDumpQuery = Kdumpd.Core.Catalog.DumpQuery;

namespace Kdumpd.Daemon.Hosting;

/// <summary>
/// Keeps the catalogue true to the disk: a rescan at start and every minute (incremental: unchanged
/// files are skipped), SHA-256 of new dumps in the background, each dump held against the plan of
/// the generation in force when it was captured, then retention.
/// </summary>
public sealed class CatalogMaintenanceService : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    private readonly TaskCompletionSource _firstScan = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly DumpCatalog _catalog;
    private readonly GenerationStore _generations;
    private readonly LiveConfiguration _configuration;
    private readonly TimeProvider _time;
    private readonly ILogger<CatalogMaintenanceService> _log;
    private readonly Kdumpd.Core.Egress.EgressCoordinator _egress;

    private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public CatalogMaintenanceService(DumpCatalog catalog, GenerationStore generations, LiveConfiguration configuration, TimeProvider time, Kdumpd.Core.Egress.EgressCoordinator egress, ILogger<CatalogMaintenanceService> log)
    {
        ArgumentNullException.ThrowIfNull(generations);
        _catalog = catalog;
        _generations = generations;
        _configuration = configuration;
        _time = time;
        _log = log;
        _egress = egress;
        // A rebuilt database is empty: fill it from the dump directory now, not a minute later.
        generations.Database.Rebuilt += _ => Wake();
    }

    /// <summary>Runs a pass now instead of at the end of the interval.</summary>
    public void Wake() => Volatile.Read(ref _wake).TrySetResult();

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
                _log.LogError(e, "Catalogue maintenance failed; retrying in {Interval}", Interval);
            }
            finally
            {
                _firstScan.TrySetResult();
            }

            var wake = Volatile.Read(ref _wake);
            await Task.WhenAny(Task.Delay(Interval, _time, stoppingToken), wake.Task);
            stoppingToken.ThrowIfCancellationRequested();
            if (wake.Task.IsCompleted)
            {
                Volatile.Write(ref _wake, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            }
        }
    }

    public async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        _generations.Database.CheckHealth(); // a deleted, replaced or damaged file is rebuilt before the scan fills it
        await _catalog.ScanAsync(cancellationToken); // logs what changed itself
        EvaluateCoverage();
        var hashed = await _catalog.HashPendingAsync(cancellationToken);
        if (hashed > 0)
        {
            _log.LogInformation("Computed SHA-256 of {Count} dumps", hashed);
        }

        var r = _configuration.Options.Retention; // Retention is applied by a reload
        if (r.KeepDumps > 0 || r.MaxBytes > 0 || r.MinFreeBytes > 0)
        {
            _catalog.ApplyRetention(new RetentionPolicy(
                r.KeepDumps > 0 ? r.KeepDumps : null,
                r.MaxBytes > 0 ? r.MaxBytes : null,
                r.MinFreeBytes > 0 ? r.MinFreeBytes : null,
                _egress.Targets.Count == 0 ? null : _egress.HoldReason));
        }
    }

    /// <summary>Did each dump get every range its generation's plan promised? Asked once per dump.</summary>
    private void EvaluateCoverage()
    {
        foreach (var dump in _catalog.List(new CoreDumpQuery(Limit: 1000)).Items.Where(d => d.Generation is not null && d.CoversPlan is null && d.VmcorePath is not null))
        {
            var header = _generations.Get((int)dump.Generation!.Value)?.ElfCoreHeader;
            if (header is null)
            {
                continue;
            }

            var ranges = DumpCoverage.PromisedBy(header);
            if (ranges is { Count: > 0 })
            {
                var covers = _catalog.EvaluateCoverage(dump.Id, ranges);
                if (covers == false)
                {
                    _log.LogWarning("Dump {DumpId} does not cover every range of generation {Generation}'s plan: memory is missing from it", dump.Id, dump.Generation);
                }
            }
        }
    }
}
