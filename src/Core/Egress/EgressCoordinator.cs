using System.Collections.Concurrent;
using Kdumpd.Core.Catalog;
using Serilog;

namespace Kdumpd.Core.Egress;

/// <summary>Settings of the egress as a whole (the targets carry their own bounds).</summary>
public sealed record EgressOptions(
    IReadOnlyList<EgressTarget> Targets,
    string StagingDirectory,
    string HostName,
    TimeSpan RetryFailedAfter);

/// <summary>
/// Decides what to ship: every complete, hashed dump of the catalogue to every configured target
/// it is not verified on, a bounded number of dumps per target at a time; failed ones again after
/// <see cref="EgressOptions.RetryFailedAfter"/> or when an operator asks. Answers retention's
/// question: may this dump's local copy go?
/// </summary>
public sealed class EgressCoordinator : IAsyncDisposable
{
    private readonly EgressOptions _options;
    private readonly DumpCatalog _catalog;
    private readonly GenerationStore _generations;
    private readonly EgressStateStore _store;
    private readonly DumpShipper _shipper;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly Dictionary<string, TargetLane> _lanes;
    private readonly ConcurrentDictionary<(string DumpId, string Target), Task> _running = new();

    public EgressCoordinator(EgressOptions options, Func<EgressTarget, IEgressUploader> uploaders, DumpCatalog catalog, GenerationStore generations,
        EgressStateStore store, EgressMetrics metrics, ILogger? logger = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(uploaders);
        _options = options;
        _catalog = catalog;
        _generations = generations;
        _store = store;
        _time = time ?? TimeProvider.System;
        _log = (logger ?? Serilog.Core.Logger.None).ForContext<EgressCoordinator>();
        _shipper = new DumpShipper(store, metrics, logger);
        Metrics = metrics;
        _lanes = options.Targets.ToDictionary(t => t.Name, t => new TargetLane(t, uploaders, _log), StringComparer.Ordinal);
    }

    public IReadOnlyList<EgressTarget> Targets => _options.Targets;

    public EgressMetrics Metrics { get; }

    public EgressStateStore Store => _store;

    /// <summary>Called once at start: uploads a killed daemon left 'uploading' resume from their journals.</summary>
    public int RecoverInterrupted() => _store.RecoverInterrupted();

    /// <summary>
    /// Starts what is due and waits for all of it (uploads already running are awaited too).
    /// Returns the number of (dump, target) uploads this pass started.
    /// </summary>
    public async Task<int> RunPassAsync(CancellationToken cancellationToken)
    {
        if (_lanes.Count == 0)
        {
            return 0;
        }

        var states = _store.All();
        var now = _time.GetUtcNow();
        var started = 0;
        foreach (var dump in _catalog.List(new DumpQuery(Complete: true, Limit: 10_000)).Items.Where(d => d.Sha256 is not null).Reverse())
        {
            foreach (var lane in _lanes.Values)
            {
                var state = states.GetValueOrDefault(dump.Id)?.FirstOrDefault(s => s.Target == lane.Target.Name);
                var due = state is null or { State: EgressState.Pending or EgressState.Uploading }
                    || state is { State: EgressState.Failed } && now - state.UpdatedAt >= _options.RetryFailedAfter;
                if (!due || _running.ContainsKey((dump.Id, lane.Target.Name)))
                {
                    continue;
                }

                var manifest = BuildManifest(dump);
                if (manifest is null)
                {
                    continue;
                }

                var key = (dump.Id, lane.Target.Name);
                var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                if (!_running.TryAdd(key, done.Task))
                {
                    continue; // another pass started it a moment ago
                }

                _store.EnsurePending(dump.Id, lane.Target.Name, manifest.TotalBytes);
                _ = Task.Run(async () =>
                {
                    try
                    {
                        await lane.RunAsync(_shipper, manifest, cancellationToken);
                    }
                    catch (OperationCanceledException)
                    {
                        // stopping: the journal keeps the resume point
                    }
                    finally
                    {
                        _running.TryRemove(key, out _);
                        if (_store.ForDump(dump.Id).All(s => s.State == EgressState.Verified))
                        {
                            TryDeleteStaging(dump.Id);
                        }

                        done.SetResult();
                    }
                }, CancellationToken.None);
                started++;
            }
        }

        await Task.WhenAll(_running.Values);
        return started;
    }

    /// <summary>An operator's "upload now": failed or verified targets of the dump go back to pending.</summary>
    public IReadOnlyList<EgressStatus> Requeue(string dumpId)
    {
        foreach (var target in _options.Targets)
        {
            if (_store.Get(dumpId, target.Name) is null)
            {
                _store.EnsurePending(dumpId, target.Name, 0);
            }

            _store.Requeue(dumpId, target.Name);
        }

        return _store.ForDump(dumpId);
    }

    public bool IsUploading(string dumpId) => _running.Keys.Any(k => k.DumpId == dumpId);

    /// <summary>
    /// Why a dump's local copy must stay (retention asks before deleting), or null when every
    /// configured target holds a verified copy and none is uploading it.
    /// </summary>
    public string? HoldReason(string dumpId)
    {
        if (IsUploading(dumpId))
        {
            return "an upload of it is running";
        }

        var states = _store.ForDump(dumpId);
        var missing = _options.Targets.Where(t => states.FirstOrDefault(s => s.Target == t.Name)?.State != EgressState.Verified).Select(t => t.Name).ToList();
        return missing.Count == 0 ? null : $"not yet verified on egress target(s) {string.Join(", ", missing)}";
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var lane in _lanes.Values)
        {
            await lane.DisposeAsync();
        }
    }

    private DumpManifest? BuildManifest(DumpRecord dump)
    {
        try
        {
            var plan = dump.Generation is { } g ? _generations.Get((int)g)?.PlanJson : null;
            return DumpManifest.For(dump, plan, _options.HostName, _options.StagingDirectory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _log.Warning("Dump {DumpId}: cannot prepare its files for egress: {Error}", dump.Id, e.Message);
            return null;
        }
    }

    private void TryDeleteStaging(string dumpId)
    {
        try
        {
            var staging = Path.Join(_options.StagingDirectory, dumpId);
            if (Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _log.Debug("Could not remove the egress staging of {DumpId}: {Error}", dumpId, e.Message);
        }
    }

    /// <summary>One target's uploader, its bandwidth cap, its retry pipeline and its dump slots.</summary>
    private sealed class TargetLane(EgressTarget target, Func<EgressTarget, IEgressUploader> uploaders, ILogger log) : IAsyncDisposable
    {
        private readonly SemaphoreSlim _slots = new(Math.Max(1, target.Limits.ConcurrentDumps));
        private readonly BandwidthLimiter _limiter = new(target.Limits.BytesPerSecond);
        private readonly Polly.ResiliencePipeline _retry = EgressRetry.For(target.Limits, args =>
            log.Warning("Egress to {Target}: attempt {Attempt} failed ({Error}); retrying in {Delay}", target.Name, args.AttemptNumber + 1, args.Outcome.Exception?.Message, args.RetryDelay));

        public EgressTarget Target => target;

        public async Task RunAsync(DumpShipper shipper, DumpManifest manifest, CancellationToken cancellationToken)
        {
            await _slots.WaitAsync(cancellationToken);
            try
            {
                // One uploader (one SSH session, one HTTP client) per dump in flight.
                await using var uploader = uploaders(target);
                await shipper.ShipAsync(manifest, uploader, _limiter, _retry, cancellationToken);
            }
            finally
            {
                _slots.Release();
            }
        }

        public ValueTask DisposeAsync()
        {
            _slots.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
