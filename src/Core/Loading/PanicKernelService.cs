using Kdumpd.Core.Catalog;
using Kdumpd.Core.Host;
using Kdumpd.Core.Planning;
using Polly;
using Serilog;

namespace Kdumpd.Core.Loading;

/// <summary>
/// Arms and disarms the host, one operation at a time: discovery, command line, budget check, the loader
/// call with retries, the unarmed-window measurement, and a generation row for every attempt, refusals
/// included. It never holds a belief about the kernel: state is re-read from sysfs before and after.
/// </summary>
public sealed class PanicKernelService(
    HostRoot host,
    PanicKernelLoaders loaders,
    GenerationStore store,
    LoadingOptions options,
    TimeProvider time,
    ILogger? log = null) : IDisposable
{
    private static readonly ResiliencePropertyKey<List<string>> _retryNotes = new("kdumpd.retry-notes");

    private readonly SemaphoreSlim _one = new(1, 1);
    private readonly ILogger _log = (log ?? Serilog.Core.Logger.None).ForContext<PanicKernelService>();

    // Built on the thread pool from the start, once per retry options: Polly checks the options through
    // DataAnnotations reflection when the pipeline is built, the largest CPU cost of a `kdumpd load` after
    // the kernel's own (17% on this machine, tens of milliseconds under emulation), which would otherwise
    // sit between the start and the first load.
    private RetryPipeline _retry = new(options.Retry, Task.Run(() => BuildRetry(options.Retry, time, log)));

    public HostRoot Host { get; } = host;

    public GenerationStore Store { get; } = store;

    private LoadingOptions _options = options;

    /// <summary>The options of the next operation; a configuration reload replaces them as a whole (<see cref="Reconfigure"/>).</summary>
    public LoadingOptions Options => Volatile.Read(ref _options);

    /// <summary>New loader, capture image and command-line options, used from the next preparation on.</summary>
    public void Reconfigure(LoadingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Volatile.Write(ref _options, options);
    }

    public void Dispose() => _one.Dispose();

    /// <summary>The kernel's state as the configured loader sees it (the dry-run loader overlays its own).</summary>
    public CrashKernelState ReadState(LoaderKind? loader = null) => loaders.Create(loader ?? Options.Loader).ReadState();

    /// <summary>The state the configured loader sees, from a reading already made (the planner's snapshot).</summary>
    public CrashKernelState StateOf(CrashKernelState kernel) => loaders.Create(Options.Loader).Overlay(kernel);

    /// <summary>
    /// Readiness as /readyz, GET /v1/status and `kdumpd status` serve it, with the state the configured
    /// loader sees (a dry-run loader's in-memory arming included, marked as simulated).
    /// </summary>
    public ReadinessReport Readiness(PlanSummary? plan = null, bool deep = false) =>
        new ReadinessEvaluator(Host, Store, time).Evaluate(ReadState(), plan, deep);

    /// <summary>Builds the request from configuration + overrides (discovery, capture command line).</summary>
    public LoadRequest Prepare(ArmIntent intent)
    {
        ArgumentNullException.ThrowIfNull(intent);
        var overrides = intent.Overrides ?? new LoadOverrides();
        var options = Options; // one set of options for the whole request, even across a reload
        var image = intent.Image is { } planned && overrides.KernelPath is null && overrides.InitrdPath is null
            ? planned
            : new CaptureImageLocator(Host).Locate(options.Image with
            {
                KernelPath = overrides.KernelPath ?? options.Image.KernelPath,
                InitrdPath = overrides.InitrdPath ?? options.Image.InitrdPath,
            });
        var commandLineOptions = overrides.Append is null
            ? options.CommandLine
            : options.CommandLine with { Extras = [.. options.CommandLine.Extras, overrides.Append] };
        var commandLine = CaptureCommandLine.Build(HostKernel.CommandLine(Host), commandLineOptions);
        return new LoadRequest(
            image.KernelPath,
            image.InitrdPath,
            commandLine,
            overrides.Loader ?? options.Loader,
            OnCrash: true,
            intent.OperatorRequested,
            intent.Triggers,
            intent.Plan,
            image.Release,
            intent.Purpose,
            image.KernelIdentity,
            image.InitrdIdentity,
            intent.PlanIn);
    }

    /// <summary>Prepare + load; a preparation failure (no kernel, bad command line) is recorded as a refused generation.</summary>
    public async Task<ArmResult> ArmAsync(ArmIntent intent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(intent);
        LoadRequest request;
        try
        {
            request = Prepare(intent);
        }
        catch (Exception e) when (e is CaptureImageException or CaptureCommandLineException or HostFileException)
        {
            var loader = intent.Overrides?.Loader ?? Options.Loader;
            var state = ReadState(loader);
            var refused = Store.Record(new GenerationRecord
            {
                StartedAt = time.GetUtcNow(),
                Triggers = intent.Triggers,
                OperatorRequested = intent.OperatorRequested,
                PlanFingerprint = intent.Plan?.Fingerprint,
                Loader = loader.Name(),
                KernelRelease = TryRelease(),
                Outcome = GenerationOutcome.Refused,
                Error = e.Message,
                Attempts = 0,
                ArmedBefore = state.Loaded,
                ArmedAfter = state.Loaded,
                LoadBudgetLeft = state.LoadsLeft,
                ReservationBytes = state.ReservationBytes,
                PlanJson = intent.Plan?.PlanJson,
                ElfCoreHeader = intent.Plan?.HeaderBytes?.ToArray(),
            });
            _log.Warning("Refused to load the panic kernel, generation {Generation}: {Error}", refused.Number, e.Message);
            return new ArmResult(refused, null, null, state);
        }

        return await LoadAsync(request, cancellationToken);
    }

    /// <summary>
    /// Loads <paramref name="request"/> (its command line gets kdumpd.generation=N appended). One load call
    /// replaces the old panic kernel; there is never an unload first.
    /// </summary>
    public async Task<ArmResult> LoadAsync(LoadRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        await _one.WaitAsync(cancellationToken);
        try
        {
            return await LoadLockedAsync(request, cancellationToken);
        }
        catch (HostFileException e)
        {
            // The kernel's state cannot even be read (a malformed sysfs/procfs file): nothing was called,
            // and the attempt is still recorded with the file that is wrong.
            var failed = RecordSafely(new GenerationRecord
            {
                StartedAt = time.GetUtcNow(),
                Triggers = request.TriggerList,
                OperatorRequested = request.OperatorRequested,
                PlanFingerprint = request.Plan?.Fingerprint,
                Loader = request.Loader.Name(),
                KernelRelease = request.KernelRelease,
                CommandLine = request.CommandLine,
                Outcome = GenerationOutcome.Failed,
                Error = e.Message,
                Attempts = 0,
            });
            _log.Error("Panic kernel load failed, generation {Generation}: {Error}", failed.Number, e.Message);
            return new ArmResult(failed, null, null, new CrashKernelState(null, null, null, false));
        }
        finally
        {
            _one.Release();
        }
    }

    public async Task<ArmResult> UnloadAsync(UnloadRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        await _one.WaitAsync(cancellationToken);
        try
        {
            var loader = loaders.Create(request.Loader);
            var started = time.GetUtcNow();
            var before = loader.ReadState();
            var (result, attempts, elapsed) = await RunWithRetries(ct => loader.UnloadAsync(request, ct), cancellationToken);
            var after = loader.ReadState();
            var record = Store.Record(new GenerationRecord
            {
                StartedAt = started,
                Action = GenerationAction.Unload,
                Triggers = request.Triggers ?? [],
                OperatorRequested = request.OperatorRequested,
                Interface = result.Interface,
                Loader = result.Loader,
                KernelRelease = TryRelease(),
                Outcome = result.Succeeded ? GenerationOutcome.Unloaded : OutcomeOf(result.Failure!),
                Error = result.Failure?.Message,
                Detail = Detail(result),
                Attempts = attempts,
                DurationMs = elapsed.TotalMilliseconds,
                UnarmedMs = null,
                ArmedBefore = before.Loaded,
                ArmedAfter = after.Loaded,
                LoadBudgetLeft = after.LoadsLeft,
                ReservationBytes = after.ReservationBytes,
            });
            _log.Information("Unload of the panic kernel, generation {Generation}: {Outcome} {Error}", record.Number, record.Outcome, record.Error);
            return new ArmResult(record, result, null, after);
        }
        finally
        {
            _one.Release();
        }
    }

    private async Task<ArmResult> LoadLockedAsync(LoadRequest request, CancellationToken cancellationToken)
    {
        var loader = loaders.Create(request.Loader);
        var number = Store.NextNumber();
        var started = time.GetUtcNow();
        var commandLine = CaptureCommandLine.WithGeneration(request.CommandLine, number);
        var before = loader.ReadState();
        var record = new GenerationRecord
        {
            Number = number,
            StartedAt = started,
            Triggers = request.TriggerList,
            OperatorRequested = request.OperatorRequested,
            PlanFingerprint = request.Plan?.Fingerprint,
            Loader = request.Loader.Name(),
            KernelRelease = request.KernelRelease ?? TryRelease(),
            CommandLine = commandLine,
            ArmedBefore = before.Loaded,
            ArmedAfter = before.Loaded,
            LoadBudgetLeft = before.LoadsLeft,
            ReservationBytes = before.ReservationBytes,
            PlanJson = request.Plan?.PlanJson,
            ElfCoreHeader = request.Plan?.HeaderBytes?.ToArray(),
        };

        CaptureImageIdentity kernel;
        CaptureImageIdentity? initrd;
        try
        {
            // The locator already read both in this pass; a request built by hand is read here, once.
            kernel = request.KernelIdentity ?? CaptureImageIdentity.ReadFile(request.KernelPath, request.KernelPath, Options.Image.Digests);
            initrd = request.InitrdPath is null ? null : request.InitrdIdentity ?? CaptureImageIdentity.ReadFile(request.InitrdPath, request.InitrdPath, Options.Image.Digests);
            Options.Image.Digests?.Save();
            record = record with
            {
                Kernel = Fingerprint(request.KernelPath, kernel),
                Initrd = request.InitrdPath is null ? null : Fingerprint(request.InitrdPath, initrd!),
            };
        }
        catch (Exception e) when (e is HostFileException or IOException or UnauthorizedAccessException)
        {
            return Refuse(record, $"cannot read the capture kernel or initrd: {e.Message}", null, before);
        }

        var budget = LoadBudget.Check(request.Plan, kernel.MemorySize, initrd?.MemorySize ?? 0, before.ReservationBytes, commandLine);
        if (!budget.Fits)
        {
            var findings = budget.Findings.Count == 0 ? "" : $" ({string.Join("; ", budget.Findings)})";
            return Refuse(record, $"refusing to load: {budget.Summary}{findings}", budget, before);
        }

        var final = request with { CommandLine = commandLine };
        LoaderResult result;
        int attempts;
        TimeSpan elapsed;
        CrashKernelState after;
        try
        {
            (result, attempts, elapsed) = await RunWithRetries(ct => loader.LoadAsync(final, ct), cancellationToken);
            after = loader.ReadState();
        }
        catch (HostFileException e)
        {
            // A sysfs/procfs file kdumpd cannot read: record the attempt as failed rather than lose it.
            var failed = RecordSafely(record with { Outcome = GenerationOutcome.Failed, Error = e.Message, Attempts = 1, ArmedAfter = null });
            _log.Error("Panic kernel load failed, generation {Generation}: {Error}", failed.Number, e.Message);
            return new ArmResult(failed, null, budget, before);
        }

        // The kernel frees the old image inside the call, before it builds the new one: after a success the
        // host was unarmed for at most the time of the calls. When the old image is still there after a
        // failure (EBUSY, EPERM, kexec-tools giving up before its syscall) or no kernel call was made
        // (dry run), nothing was unarmed. A host that had nothing loaded was unarmed throughout.
        double? unarmed = (before.Loaded, after.Loaded) switch
        {
            (null, null) => null,
            (true, true) when result.Failure is not null || result.KernelCalls == 0 => 0,
            _ => elapsed.TotalMilliseconds,
        };
        var error = result.Failure?.Message;
        if (result.Failure is not null && before.Loaded == true && after.Loaded == false)
        {
            error += "; the host is now UNARMED: the kernel freed the previous panic kernel before this load failed";
        }

        if (result.Succeeded && PlanAsLoaded(request, result) is { } asLoaded)
        {
            // auto fell back to kexec-tools: the header in the kernel is kexec-tools', and coverage is checked against it.
            record = record with { PlanFingerprint = asLoaded.Fingerprint, PlanJson = asLoaded.PlanJson, ElfCoreHeader = asLoaded.HeaderBytes?.ToArray() };
        }

        record = record with
        {
            Interface = result.Interface,
            Loader = result.Loader,
            Outcome = result.Succeeded ? GenerationOutcome.Loaded : OutcomeOf(result.Failure!),
            Error = error,
            Detail = Detail(result, budget),
            Attempts = attempts,
            DurationMs = elapsed.TotalMilliseconds,
            UnarmedMs = unarmed,
            ArmedAfter = after.Loaded,
            LoadBudgetLeft = after.LoadsLeft,
            ReservationBytes = after.ReservationBytes,
        };
        record = RecordSafely(record);
        if (record.Outcome == GenerationOutcome.Loaded)
        {
            _log.Information(
                "Loaded the panic kernel, generation {Generation}, with {Loader} ({Interface}) in {DurationMs:0} ms, unarmed at most {UnarmedMs:0} ms, {Attempts} attempt(s)",
                record.Number, record.Loader, record.Interface, record.DurationMs, record.UnarmedMs, record.Attempts);
        }
        else
        {
            _log.Error("Panic kernel load failed, generation {Generation}, {Loader}: {Error}", record.Number, record.Loader, record.Error);
        }

        return new ArmResult(record, result, budget, after);
    }

    /// <summary>The plan in the layout of the loader that really loaded, when it is not the one planned; else null.</summary>
    private static PlanSummary? PlanAsLoaded(LoadRequest request, LoaderResult result) =>
        request.Plan?.Layout is { } planned && request.PlanIn is { } planIn && LoaderKinds.TryParse(result.Loader, out var used)
            && HostPlanning.LayoutFor(used) is var layout && layout != planned
            ? planIn(layout)
            : null;

    /// <summary>Size and mtime from the file now, the SHA-256 the locator computed (recorded when configured).</summary>
    private FileFingerprint Fingerprint(string path, CaptureImageIdentity identity) =>
        FileFingerprint.Of(path, withSha256: false) with { Sha256 = Options.Sha256OnLoad ? identity.Sha256 : null };

    private ArmResult Refuse(GenerationRecord record, string error, BudgetVerdict? budget, CrashKernelState state)
    {
        var stored = RecordSafely(record with
        {
            Outcome = GenerationOutcome.Refused,
            Error = error,
            Detail = budget?.Summary,
            Attempts = 0,
        });
        _log.Warning("Refused to load the panic kernel, generation {Generation}: {Error}", stored.Number, error);
        return new ArmResult(stored, null, budget, state);
    }

    /// <summary>
    /// Records with the number the command line already names; if another kdumpd process took that number
    /// meanwhile, the attempt is still recorded (under the next number, saying so) rather than lost.
    /// </summary>
    private GenerationRecord RecordSafely(GenerationRecord record)
    {
        try
        {
            return Store.Record(record);
        }
        catch (CatalogException e) when (record.Number > 0)
        {
            _log.Warning("Generation {Generation} was taken concurrently, recording under the next number: {Error}", record.Number, e.Message);
            var note = $"the capture command line names generation {record.Number}, which another kdumpd process recorded concurrently";
            return Store.Record(record with { Number = 0, Detail = record.Detail is null ? note : $"{record.Detail}\n{note}" });
        }
    }

    private async Task<(LoaderResult Result, int Attempts, TimeSpan Elapsed)> RunWithRetries(Func<CancellationToken, Task<LoaderResult>> call, CancellationToken cancellationToken)
    {
        var attempts = 0;
        var calls = 0;
        var notes = new List<string>();
        var pipeline = await RetryPipelineInForce();
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(_retryNotes, notes);
        var start = time.GetTimestamp();
        LoaderResult result;
        try
        {
            result = await pipeline.ExecuteAsync(
                async ctx =>
                {
                    attempts++;
                    var r = await call(ctx.CancellationToken);
                    calls += r.KernelCalls;
                    return r;
                },
                context);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }

        var elapsed = time.GetElapsedTime(start);
        return (result with { KernelCalls = calls, Notes = [.. notes, .. result.NoteList] }, attempts, elapsed);
    }

    /// <summary>The pipeline for the retry options in force: the one built at start unless a configuration reload changed them.</summary>
    private Task<ResiliencePipeline<LoaderResult>> RetryPipelineInForce()
    {
        var retry = Options.Retry;
        var current = Volatile.Read(ref _retry);
        if (current.Options == retry)
        {
            return current.Pipeline;
        }

        var rebuilt = new RetryPipeline(retry, Task.FromResult(BuildRetry(retry, time, log)));
        Volatile.Write(ref _retry, rebuilt);
        return rebuilt.Pipeline;
    }

    private sealed record RetryPipeline(LoadRetryOptions Options, Task<ResiliencePipeline<LoaderResult>> Pipeline);

    private static ResiliencePipeline<LoaderResult> BuildRetry(LoadRetryOptions retry, TimeProvider time, ILogger? log) =>
        LoadRetry.Build(retry, time, (failed, attempt, context) =>
        {
            context.Properties.GetValue(_retryNotes, []).Add($"attempt {attempt} failed transiently, retrying: {failed.Failure?.Message}");
            (log ?? Serilog.Core.Logger.None).ForContext<PanicKernelService>()
                .Warning("Transient panic kernel load failure on attempt {Attempt}, retrying: {Error}", attempt, failed.Failure?.Message);
        });

    private static GenerationOutcome OutcomeOf(LoadFailure failure) =>
        failure.Kind == LoadFailureKind.Refused ? GenerationOutcome.Refused : GenerationOutcome.Failed;

    private static string? Detail(LoaderResult result, BudgetVerdict? budget = null)
    {
        var parts = new List<string>();
        if (budget is not null)
        {
            parts.Add($"budget: {budget.Summary}");
        }

        parts.AddRange(result.NoteList);
        if (!string.IsNullOrEmpty(result.Output))
        {
            parts.Add($"kexec output (exit {result.ExitCode}):\n{result.Output.TrimEnd()}");
        }

        return parts.Count == 0 ? null : string.Join('\n', parts);
    }

    private string? TryRelease()
    {
        try
        {
            return HostKernel.Release(Host);
        }
        catch (HostFileException)
        {
            return null;
        }
    }
}
