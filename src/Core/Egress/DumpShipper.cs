using Polly;
using Serilog;

namespace Kdumpd.Core.Egress;

/// <summary>
/// Ships one dump to one target: every file of its manifest, each resumed from its journal and
/// retried on transient errors, index.json last; then records the dump as verified at its
/// location, or as failed with the reason. Never deletes anything local.
/// </summary>
public sealed class DumpShipper(EgressStateStore store, EgressMetrics metrics, ILogger? logger = null)
{
    private readonly ILogger _log = (logger ?? Serilog.Core.Logger.None).ForContext<DumpShipper>();

    public async Task<EgressStatus> ShipAsync(DumpManifest manifest, IEgressUploader uploader, BandwidthLimiter limiter, ResiliencePipeline retry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(uploader);
        ArgumentNullException.ThrowIfNull(retry);
        var target = uploader.Target;
        var id = manifest.DumpId;
        store.Begin(id, target.Name, manifest.TotalBytes);
        _log.Information("Egress of dump {DumpId} to {Target} ({Kind}) started: {Files} files, {Bytes} bytes, into {Folder}",
            id, target.Name, target.Kind, manifest.Files.Count, manifest.TotalBytes, manifest.Folder);
        long verifiedBytes = 0;
        var started = DateTimeOffset.UtcNow;
        try
        {
            foreach (var file in manifest.Files)
            {
                var journal = store.Journal(id, target.Name, file);
                if (!journal.Verified)
                {
                    await retry.ExecuteAsync(async ct =>
                    {
                        long acknowledged = 0, unrecorded = 0;
                        void RecordSent()
                        {
                            if (Interlocked.Exchange(ref unrecorded, 0) is var n and > 0)
                            {
                                store.AddSent(id, target.Name, n);
                            }
                        }

                        var transfer = new EgressTransfer(limiter,
                            sent: n =>
                            {
                                metrics.AddBytes(target.Name, n);
                                Interlocked.Add(ref unrecorded, n);
                            },
                            acknowledged: n =>
                            {
                                store.Progress(id, target.Name, verifiedBytes + Interlocked.Add(ref acknowledged, n));
                                RecordSent();
                            });
                        try
                        {
                            await uploader.UploadAsync(file, file.PathIn(manifest.Folder), journal, transfer, ct);
                        }
                        finally
                        {
                            RecordSent();
                        }
                    }, cancellationToken);
                }

                verifiedBytes += file.Size;
                store.Progress(id, target.Name, verifiedBytes);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var reason = e is EgressException ? e.Message : $"{e.GetType().Name}: {e.Message}";
            store.Failed(id, target.Name, reason);
            metrics.Outcome(target.Name, EgressState.Failed);
            _log.Error("Egress of dump {DumpId} to {Target} failed after {Bytes} verified bytes: {Reason}", id, target.Name, verifiedBytes, reason);
            return store.Get(id, target.Name)!;
        }

        var location = target.LocationOf(manifest.Folder);
        store.Verified(id, target.Name, location);
        metrics.Outcome(target.Name, EgressState.Verified);
        var seconds = (DateTimeOffset.UtcNow - started).TotalSeconds;
        _log.Information("Egress of dump {DumpId} to {Target} verified at {Location}: {Bytes} bytes in {Seconds:F1} s",
            id, target.Name, location, manifest.TotalBytes, seconds);
        return store.Get(id, target.Name)!;
    }
}
