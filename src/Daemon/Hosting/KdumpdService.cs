using System.Globalization;
using Kdumpd.Api.Contracts;
using Kdumpd.Api.Metrics;
using Kdumpd.Core.Catalog;
using Kdumpd.Core.Egress;
using Kdumpd.Core.Loading;
using Kdumpd.Core.Planning;
using Kdumpd.Core.Reload;
using Kdumpd.Core.Units;
using Kdumpd.Daemon.Configuration;
using CoreDumpQuery = Kdumpd.Core.Catalog.DumpQuery;
using DumpPage = Kdumpd.Api.Contracts.DumpPage;

namespace Kdumpd.Daemon.Hosting;

/// <summary>
/// The daemon's answer to every API question, mapped from Core onto the API's documents. State is
/// re-read where it is cheap (the kernel's sysfs flags, the database); the plan comes from the last
/// probe, which the coordinator refreshes on every event and every reconcile.
/// </summary>
public sealed class KdumpdService(
    KdumpdOptions options,
    LiveConfiguration configuration,
    DaemonState state,
    PanicKernelService loading,
    ReadinessEvaluator readiness,
    ReloadCoordinator coordinator,
    DumpCatalog catalog,
    KdumpdDatabase database,
    DiskSpace disk,
    OperatorReloadGate reloadGate,
    EgressCoordinator egress,
    EgressService egressLoop) : IKdumpdService
{
    public Task<StatusDocument> GetStatusAsync(CancellationToken cancellationToken)
    {
        var kernel = loading.ReadState();
        var (planned, _, _) = state.Plan;
        var report = readiness.Evaluate(kernel, PlanSummaryOf(planned));
        var checks = ExtraChecks(report.Ready);
        var problems = report.Problems.Concat(checks.Where(c => !c.Ok).Select(c => $"{c.Name}: {c.Detail}")).ToList();
        var stats = coordinator.Stats.Snapshot(coordinator.Time.GetUtcNow());
        var counts = DumpCounts();
        var plan = planned?.Plan;
        return Task.FromResult(new StatusDocument(
            report.RunningRelease ?? planned?.Host.KernelRelease ?? "unknown",
            kernel.IsLoaded,
            problems.Count == 0,
            problems,
            new ReservationDocument(
                kernel.ReservationBytes ?? (long)(plan?.Budget.Reserved ?? 0),
                plan is null ? [] : [.. plan.Reservations.Select(r => Range(r.Start, r.End))]),
            report.ActiveGeneration is { } active ? Map(active) : null,
            plan is null ? null : new PlanSummaryDocument(
                plan.Fingerprint,
                plan.Layout.ToName(),
                plan.Loads.Length,
                plan.Notes.Length,
                (long)plan.Header.Size,
                [.. plan.Findings.Select(f => new FindingDocument(f.Severity.ToString().ToLowerInvariant(), f.Code, f.Message))]),
            coordinator.LastPass is { } pass ? Map(pass) : null,
            [.. stats.Watchers.OrderBy(w => w.Key, StringComparer.Ordinal)
                .Select(w => new WatcherDocument(w.Key, w.Value.Active ? "active" : "inactive", w.Value.Detail))],
            new DumpCountsDocument(counts.Total, counts.Complete, counts.Total - counts.Complete, counts.Bytes),
            kernel.LoadsLeft,
            new CrashHotplugDocument(planned?.Host.Memory?.CrashHotplug, planned?.Host.Cpus.CrashHotplug)));
    }

    public Task<ReadinessDocument> GetReadinessAsync(CancellationToken cancellationToken)
    {
        var (planned, _, _) = state.Plan;
        var report = readiness.Evaluate(loading.ReadState(), PlanSummaryOf(planned));
        var checks = report.Checks.Select(c => new CheckDocument(c.Name, c.Ok, c.Detail)).Concat(ExtraChecks(report.Ready)).ToList();
        return Task.FromResult(new ReadinessDocument(checks.All(c => c.Ok), checks));
    }

    public Task<string?> GetPlanJsonAsync(CancellationToken cancellationToken) => Task.FromResult(state.Plan.Json);

    public Task<byte[]?> GetElfCoreHeaderAsync(CancellationToken cancellationToken) => Task.FromResult(state.Plan.Header);

    public async Task<ActionResultDocument> ReloadAsync(string requestedBy, bool spendLastLoad, CancellationToken cancellationToken)
    {
        if (!reloadGate.TryEnter(out var retryAfter))
        {
            var seconds = (int)Math.Ceiling(retryAfter.TotalSeconds);
            return new ActionResultDocument("throttled", loading.Store.LatestLoaded()?.Number,
                $"an operator reload ran less than {reloadGate.MinInterval.TotalSeconds:0} s ago (Reload:OperatorIntervalSeconds): try again in {seconds} s")
            {
                RetryAfterSeconds = seconds,
            };
        }

        var pass = await coordinator.RequestReloadAsync(requestedBy, force: true, spendLastLoad, cancellationToken);
        var outcome = pass.Outcome switch
        {
            ReloadOutcome.Reloaded => "reloaded",
            ReloadOutcome.NoChange => "unchanged",
            ReloadOutcome.PlanRecorded => "recorded",
            ReloadOutcome.BudgetHeld => "refused",
            _ => "failed",
        };
        var generation = pass.Result?.Generation ?? loading.Store.LatestLoaded()?.Number;
        return new ActionResultDocument(outcome, generation, pass.Error ?? pass.Decision);
    }

    public async Task<ActionResultDocument> UnloadAsync(string requestedBy, CancellationToken cancellationToken)
    {
        var result = await loading.UnloadAsync(new UnloadRequest(loading.Options.Loader, OperatorRequested: true, Triggers: [requestedBy]), cancellationToken);
        return result.Succeeded
            ? new ActionResultDocument("unloaded", result.Generation.Number, "the panic kernel is unloaded: this host will not capture a crash dump until the next reload")
            : new ActionResultDocument(result.Generation.Outcome == GenerationOutcome.Refused ? "refused" : "failed", result.Generation.Number, result.Generation.Error ?? "unload failed");
    }

    public Task<IReadOnlyList<GenerationDocument>> ListGenerationsAsync(int limit, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<GenerationDocument>>([.. loading.Store.List(limit).Select(Map)]);

    public Task<GenerationDocument?> GetGenerationAsync(long number, CancellationToken cancellationToken) =>
        Task.FromResult(number is < 1 or > int.MaxValue ? null : loading.Store.Get((int)number) is { } g ? Map(g) : null);

    public Task<string?> GetGenerationPlanJsonAsync(long number, CancellationToken cancellationToken) =>
        Task.FromResult(number is < 1 or > int.MaxValue ? null : loading.Store.Get((int)number)?.PlanJson);

    public Task<DumpPage> ListDumpsAsync(Api.Contracts.DumpQuery query, CancellationToken cancellationToken)
    {
        var page = catalog.List(new CoreDumpQuery(query.Since, query.KernelRelease, query.Complete, query.Offset, query.Limit, query.Signature));
        var states = egress.Targets.Count == 0 ? null : egress.Store.All();
        return Task.FromResult(new DumpPage([.. page.Items.Select(d => Map(d, states?.GetValueOrDefault(d.Id)))], page.Total, query.Offset, query.Limit));
    }

    public Task<DumpDocument?> GetDumpAsync(string id, CancellationToken cancellationToken) =>
        Task.FromResult(catalog.Get(id) is { } record ? Map(record, egress.Targets.Count == 0 ? null : egress.Store.ForDump(id)) : null);

    public Task<IReadOnlyList<EgressDocument>?> UploadDumpAsync(string id, string requestedBy, CancellationToken cancellationToken)
    {
        if (catalog.Get(id) is null)
        {
            return Task.FromResult<IReadOnlyList<EgressDocument>?>(null);
        }

        var states = egress.Requeue(id);
        egressLoop.Trigger();
        Serilog.Log.ForContext<KdumpdService>().Information("Upload of dump {DumpId} to {Targets} requested by {RequestedBy}", id, egress.Targets.Select(t => t.Name), requestedBy);
        return Task.FromResult<IReadOnlyList<EgressDocument>?>(EgressDocuments(states));
    }

    public Task<DumpFile?> GetDumpFileAsync(string id, DumpFileKind kind, CancellationToken cancellationToken)
    {
        var record = catalog.Get(id);
        var path = kind == DumpFileKind.Vmcore ? record?.VmcorePath : record?.DmesgPath;
        if (record is null || path is null)
        {
            return Task.FromResult<DumpFile?>(null);
        }

        return Task.FromResult<DumpFile?>(kind == DumpFileKind.Vmcore
            ? new DumpFile(path, $"{id}-{Path.GetFileName(path)}", "application/octet-stream", record.Sha256, options.DumpDir)
            : new DumpFile(path, $"{id}-dmesg.txt", "text/plain; charset=utf-8", null, options.DumpDir));
    }

    public Task<DeleteResult> DeleteDumpAsync(string id, string requestedBy, CancellationToken cancellationToken)
    {
        try
        {
            var deleted = catalog.Delete(id, $"deleted by {requestedBy}");
            return Task.FromResult(new DeleteResult(true, true, $"deleted {deleted.Directory}"));
        }
        catch (DumpCatalogException e) when (e.Error == DumpCatalogError.NotFound)
        {
            return Task.FromResult(new DeleteResult(false, false, e.Message));
        }
        catch (DumpCatalogException e)
        {
            return Task.FromResult(new DeleteResult(true, false, e.Message));
        }
    }

    /// <summary>What a scrape needs, read in one go.</summary>
    public MetricsSnapshot Metrics()
    {
        var kernel = loading.ReadState();
        var stats = coordinator.Stats.Snapshot(coordinator.Time.GetUtcNow());
        var counts = DumpCounts();
        var plan = state.Plan.Planned?.Plan;
        var ready = readiness.Evaluate(kernel, PlanSummaryOf(state.Plan.Planned)).Ready && ExtraChecks(true).All(c => c.Ok);
        return new MetricsSnapshot
        {
            CrashKernelLoaded = kernel.IsLoaded,
            Ready = ready,
            ReservationBytes = kernel.ReservationBytes ?? 0,
            PlanLoadRanges = plan?.Loads.Length ?? 0,
            PlanNotes = plan?.Notes.Length ?? 0,
            DumpsComplete = counts.Complete,
            DumpsIncomplete = counts.Total - counts.Complete,
            DumpBytes = counts.Bytes,
            LastCapture = counts.LastCrash,
            UnarmedSecondsTotal = stats.UnarmedTotal.TotalSeconds,
            LoadBudgetRemaining = kernel.LoadsLeft,
            Uevents = stats.Uevents.ToDictionary(u => (u.Subsystem, u.Action), u => u.Count),
            EgressBytes = egress.Metrics.BytesSent.ToDictionary(),
            EgressOutcomes = egress.Metrics.Outcomes.ToDictionary(),
            Reloads = stats.PassesByOutcome.ToDictionary(p => (OutcomeName(p.Key), "all"), p => p.Value)
                .Concat(stats.ReloadsByTrigger.Select(t => new KeyValuePair<(string, string), long>(("reloaded", ReloadTrigger.KindLabel(t.Key)), t.Value)))
                .GroupBy(p => p.Key).ToDictionary(g => g.Key, g => g.Sum(p => p.Value)),
        };
    }

    /// <summary>Checks beyond "armed with the right thing": the database and room for the next dump.</summary>
    private List<CheckDocument> ExtraChecks(bool armed)
    {
        _ = armed;
        var checks = new List<CheckDocument>();
        checks.Add(database.IsUsable(out var problem)
            ? new CheckDocument("database", true, database.Path)
            : new CheckDocument("database", false, $"{database.Path}: {problem}"));

        var last = coordinator.LastPass;
        checks.Add(last is null || !last.Failed
            ? new CheckDocument("last-reload", true, last is null ? "no reload pass yet" : $"{OutcomeName(last.Outcome)} at {last.EndedAt:O}")
            : new CheckDocument("last-reload", false, $"{OutcomeName(last.Outcome)} at {last.EndedAt:O}: {last.Error}"));

        var expected = ExpectedDumpBytes();
        var free = disk.FreeBytes(options.DumpDir);
        checks.Add(free is null
            ? new CheckDocument("dump-space", false, $"{options.DumpDir} does not exist or cannot be measured")
            : free >= expected
                ? new CheckDocument("dump-space", true, $"{ByteSize.Format(free.Value)} free in {options.DumpDir}, next dump expected up to {ByteSize.Format(expected)}")
                : new CheckDocument("dump-space", false, $"{ByteSize.Format(free.Value)} free in {options.DumpDir} but the next dump may need {ByteSize.Format(expected)}: free space or lower Retention:KeepDumps"));
        return checks;
    }

    /// <summary>
    /// Size to expect for the next dump: the newest complete dump's size when there is one (same host,
    /// same collector); otherwise a tenth of the planned RAM for makedumpfile's filtered, compressed
    /// output, or all of it for the built-in ELF writer (zero pages become holes, but nothing else shrinks).
    /// </summary>
    private long ExpectedDumpBytes()
    {
        var items = catalog.List(new CoreDumpQuery(Complete: true, Limit: 1)).Items;
        var newest = items.Count > 0 ? items[0] : null;
        if (newest?.FileSize is > 0)
        {
            return newest.FileSize.Value;
        }

        var ram = (long)(state.Plan.Planned?.Plan.Loads.Where(l => l.Kind != LoadKind.KernelText).Sum(l => (decimal)l.Size) ?? 0);
        return configuration.Options.Capture.Collector == "builtin" ? ram : ram / 10;
    }

    private (int Total, int Complete, long Bytes, DateTimeOffset? LastCrash) DumpCounts()
    {
        try
        {
            return DumpCountsFromDatabase();
        }
        catch (Microsoft.Data.Sqlite.SqliteException)
        {
            return (0, 0, 0, null); // the database check says why; status still answers
        }
    }

    private (int Total, int Complete, long Bytes, DateTimeOffset? LastCrash) DumpCountsFromDatabase()
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*), coalesce(sum(complete), 0), coalesce(sum(file_size), 0), max(crash_time) FROM dumps;";
        using var reader = command.ExecuteReader();
        reader.Read();
        DateTimeOffset? last = reader.IsDBNull(3) ? null : DateTimeOffset.Parse(reader.GetString(3), CultureInfo.InvariantCulture);
        return (reader.GetInt32(0), reader.GetInt32(1), reader.GetInt64(2), last);
    }

    private static PlanSummary? PlanSummaryOf(PlannedHost? planned) => planned?.Summary(null);

    private static string OutcomeName(ReloadOutcome outcome) => outcome switch
    {
        ReloadOutcome.NoChange => "no-change",
        ReloadOutcome.PlanRecorded => "plan-recorded",
        ReloadOutcome.Reloaded => "reloaded",
        ReloadOutcome.ReloadFailed => "reload-failed",
        ReloadOutcome.ProbeFailed => "probe-failed",
        ReloadOutcome.BudgetHeld => "budget-held",
        _ => outcome.ToString().ToLowerInvariant(),
    };

    private static RangeDocument Range(ulong start, ulong end) =>
        new($"0x{start:x}", $"0x{end - 1:x}", (long)(end - start));

    private static GenerationDocument Map(GenerationRecord g) => new(
        g.Number,
        g.StartedAt,
        g.Triggers,
        g.Loader,
        GenerationStore.OutcomeName(g.Outcome),
        g.Error,
        g.PlanFingerprint,
        g.KernelRelease,
        g.Kernel?.Path,
        g.Kernel?.Sha256,
        g.Initrd?.Path,
        g.Initrd?.Sha256,
        g.CommandLine,
        g.DurationMs,
        g.UnarmedMs,
        g.LoadBudgetLeft);

    private static ReloadDocument Map(ReloadPassRecord pass) => new(
        pass.EndedAt,
        OutcomeName(pass.Outcome),
        [.. pass.Burst.CountsByLabel.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Value == 1 ? p.Key : $"{p.Key}×{p.Value}")],
        pass.Result?.Generation,
        pass.FingerprintBefore,
        pass.FingerprintAfter,
        (pass.ReloadDuration ?? (pass.EndedAt - pass.StartedAt)).TotalMilliseconds,
        pass.Error);

    /// <summary>Each configured target's state of a dump; a target with no row yet is pending.</summary>
    private List<EgressDocument> EgressDocuments(IReadOnlyList<EgressStatus>? states) =>
        [.. egress.Targets.Select(t => states?.FirstOrDefault(s => s.Target == t.Name) is { } s
            ? new EgressDocument(t.Name, s.State.ToName(), s.BytesDone, s.BytesTotal, s.Location, s.Reason, s.Attempts, s.UpdatedAt, s.VerifiedAt)
            : new EgressDocument(t.Name, EgressState.Pending.ToName(), 0, null, null, null, 0, DateTimeOffset.UnixEpoch, null))];

    private DumpDocument Map(DumpRecord d, IReadOnlyList<EgressStatus>? states) => Map(d) with
    {
        Egress = egress.Targets.Count == 0 ? null : EgressDocuments(states),
    };

    private static DumpDocument Map(DumpRecord d) => new(
        d.Id,
        d.Directory,
        d.Layout,
        d.Owned,
        d.Format,
        d.Compression,
        d.FileSize,
        d.Sha256,
        d.KernelRelease,
        d.CrashTime,
        d.Hostname,
        d.CpuCount,
        d.DumpLevel,
        d.PanicSummary,
        d.Complete,
        d.IncompleteReason,
        d.Generation,
        d.CoversPlan,
        d.HeaderError,
        d.VmcorePath is not null,
        d.DmesgPath is not null,
        d.CallTrace,
        d.Title,
        d.Signature,
        d.TriageNote);
}
