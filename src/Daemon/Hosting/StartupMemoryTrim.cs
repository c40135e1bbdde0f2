using Kdumpd.Core.Processes;
using Kdumpd.Daemon.Watchers;

namespace Kdumpd.Daemon.Hosting;

/// <summary>
/// The daemon idles for days after its start, and the start is its busiest moment: the host read,
/// the plan and its header, the web host's build, the first catalogue scan. Once all of that is over
/// (listening, first pass done, first scan done), one aggressive, compacting collection hands the
/// start's garbage back to the system, instead of the GC keeping it for a next allocation burst that
/// an idle daemon does not have; and the executable's read-only pages the start ran are dropped
/// (<see cref="ExecutablePages"/>: they stay in the page cache for the next reload).
/// </summary>
public sealed class StartupMemoryTrim(IHostApplicationLifetime lifetime, ReloadCoordinatorService loop, CatalogMaintenanceService catalog, Serilog.ILogger log)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        {
            await started.Task.WaitAsync(stoppingToken);
        }

        await Task.WhenAll(loop.FirstPass, catalog.FirstScan).WaitAsync(stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        stoppingToken.ThrowIfCancellationRequested();
        var before = GC.GetGCMemoryInfo().HeapSizeBytes;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        var releasedKiB = ExecutablePages.ReleaseReadOnly();
        log.ForContext<StartupMemoryTrim>().Debug(
            "Start-up over: managed heap {BeforeBytes} -> {AfterBytes} bytes; {ReleasedKiB} KiB of the executable's read-only pages dropped (kept in the page cache)",
            before,
            GC.GetGCMemoryInfo().HeapSizeBytes,
            releasedKiB);
    }
}
