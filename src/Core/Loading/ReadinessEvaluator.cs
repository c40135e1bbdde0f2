using Kdumpd.Core.Catalog;
using Kdumpd.Core.Host;
using Kdumpd.Core.Planning;
using Kdumpd.Core.Units;

namespace Kdumpd.Core.Loading;

/// <summary>
/// Decides readiness from fresh facts: the kernel's kexec_crash_loaded and kexec_crash_size, the running
/// release, the files on disk, and the generations table. Nothing is cached between calls.
/// </summary>
public sealed class ReadinessEvaluator(HostRoot host, GenerationStore store, TimeProvider time)
{
    /// <summary>
    /// Evaluates every check. <paramref name="deep"/> also re-hashes kernel and initrd (SHA-256, tens of ms
    /// for a typical pair): `kdumpd status` does, /readyz probes compare size+mtime only.
    /// </summary>
    public ReadinessReport Evaluate(CrashKernelState state, PlanSummary? plan = null, bool deep = false)
    {
        ArgumentNullException.ThrowIfNull(state);
        var latest = store.Latest();
        var loaded = store.LatestLoaded();
        string? running = null;
        try
        {
            running = HostKernel.Release(host);
        }
        catch (HostFileException)
        {
        }

        // The generation in force: the newest successful load, unless a later attempt left the host unarmed.
        var active = loaded;
        if (active is not null && latest is not null && latest.Number > active.Number && latest.ArmedAfter == false)
        {
            active = null;
        }

        // A load from before this boot cannot be what the kernel holds now: a reboot empties the reservation.
        GenerationRecord? beforeBoot = null;
        if (active is not null && HostKernel.BootTime(host) is { } booted && active.StartedAt < booted)
        {
            beforeBoot = active;
            active = null;
        }

        var checks = new List<ReadinessCheck>
        {
            LoadedCheck(state),
            GenerationCheck(state, active, loaded, latest, beforeBoot),
            ReleaseCheck(active, running),
            FilesCheck(active, deep),
            ReservationCheck(state, active, plan),
            LastLoadCheck(latest),
            CompetitionCheck(new CompetingKdumpTools(host).Find()),
        };
        return new ReadinessReport(checks.TrueForAll(c => c.Ok), checks, state, active, latest, running, time.GetUtcNow());
    }

    private static ReadinessCheck LoadedCheck(CrashKernelState state)
    {
        var simulated = state.SimulatedBy is null ? "" : $" ({state.SimulatedBy})";
        return state.Loaded switch
        {
            null => new(ReadinessReport.Loaded, false, $"no kexec in this kernel: {KexecSysfs.CrashLoadedPath} does not exist{simulated}"),
            false => new(ReadinessReport.Loaded, false, $"kexec_crash_loaded is 0: no panic kernel is loaded{simulated}"),
            true => new(ReadinessReport.Loaded, true, $"kexec_crash_loaded is 1{simulated}"),
        };
    }

    private ReadinessCheck GenerationCheck(CrashKernelState state, GenerationRecord? active, GenerationRecord? loaded, GenerationRecord? latest, GenerationRecord? beforeBoot)
    {
        if (active is not null)
        {
            return new(ReadinessReport.Generation, true, $"generation {active.Number} loaded at {active.StartedAt:O} by {active.Loader} ({active.Interface})");
        }

        if (beforeBoot is not null)
        {
            return new(ReadinessReport.Generation, false, state.IsLoaded
                ? $"generation {beforeBoot.Number} was loaded before this boot; the panic kernel loaded now is not kdumpd's"
                : $"generation {beforeBoot.Number} was loaded before this boot; nothing has been loaded since");
        }

        if (loaded is not null && latest is not null)
        {
            return new(ReadinessReport.Generation, false, $"generation {latest.Number} ({GenerationStore.ActionName(latest.Action)}, {GenerationStore.OutcomeName(latest.Outcome)}) came after generation {loaded.Number} and left no panic kernel loaded");
        }

        return state.IsLoaded
            ? new(ReadinessReport.Generation, false, $"a panic kernel is loaded, but not by kdumpd: no loaded generation in {store.Database.Path}")
            : new(ReadinessReport.Generation, false, $"kdumpd has not loaded a panic kernel yet (no loaded generation in {store.Database.Path})");
    }

    private static ReadinessCheck ReleaseCheck(GenerationRecord? active, string? running)
    {
        if (active is null)
        {
            return new(ReadinessReport.KernelRelease, false, "no active generation");
        }

        if (running is null)
        {
            return new(ReadinessReport.KernelRelease, false, $"cannot read the running kernel's release ({HostKernel.OsReleasePath})");
        }

        return string.Equals(active.KernelRelease, running, StringComparison.Ordinal)
            ? new(ReadinessReport.KernelRelease, true, $"generation {active.Number} was loaded for the running kernel {running}")
            : new(ReadinessReport.KernelRelease, false, $"generation {active.Number} was loaded for {active.KernelRelease ?? "an unknown release"}, the running kernel is {running}: re-arm (kdumpd load)");
    }

    private static ReadinessCheck FilesCheck(GenerationRecord? active, bool deep)
    {
        if (active is null)
        {
            return new(ReadinessReport.FilesUnchanged, false, "no active generation");
        }

        var changes = new[] { active.Kernel, active.Initrd }
            .Where(f => f is not null)
            .Select(f => f!.Compare(deep))
            .OfType<string>()
            .ToList();
        var how = deep ? "size, mtime and SHA-256" : "size and mtime";
        return changes.Count == 0
            ? new(ReadinessReport.FilesUnchanged, true, $"kernel and initrd unchanged since generation {active.Number} ({how})")
            : new(ReadinessReport.FilesUnchanged, false, $"{string.Join("; ", changes)} since generation {active.Number}: re-arm (kdumpd load)");
    }

    /// <summary>The same <see cref="LoadBudget"/> verdict the loader refuses on: the plan's budget, or the active generation's images unplanned.</summary>
    private static ReadinessCheck ReservationCheck(CrashKernelState state, GenerationRecord? active, PlanSummary? plan)
    {
        if (state.ReservationBytes is not { } reservation)
        {
            return new(ReadinessReport.Reservation, false, $"{KexecSysfs.CrashSizePath} does not exist");
        }

        if (plan is not null)
        {
            var verdict = LoadBudget.Check(plan, 0, 0, reservation);
            return new(ReadinessReport.Reservation, verdict.Fits, verdict.Findings.Count == 0 ? verdict.Summary : $"{verdict.Summary}; {string.Join("; ", verdict.Findings)}");
        }

        if (active?.Kernel is { } kernel && File.Exists(kernel.Path))
        {
            try
            {
                var verdict = LoadBudget.Check(null, CaptureImageIdentity.ReadMemorySize(kernel.Path), (ulong)(active.Initrd?.Size ?? 0), reservation, active.CommandLine);
                return new(ReadinessReport.Reservation, verdict.Fits, verdict.Summary);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return new(ReadinessReport.Reservation, false, $"cannot size {kernel.Path} against the reservation: {e.Message}");
            }
        }

        return reservation > 0
            ? new(ReadinessReport.Reservation, true, $"crashkernel reserves {ByteSize.Format(reservation)} (no plan or loaded image to size it against)")
            : new(ReadinessReport.Reservation, false, "no crash memory is reserved (kexec_crash_size is 0): boot with crashkernel=");
    }

    /// <summary>Another enabled kdump service loads its own panic kernel at boot: whichever loads last wins.</summary>
    private static ReadinessCheck CompetitionCheck(IReadOnlyList<CompetingTool> tools)
    {
        var enabled = tools.Where(t => t.Enabled).ToList();
        return enabled.Count > 0
            ? new(ReadinessReport.NoCompetingTool, false, $"two tools compete for the panic kernel: {string.Join("; ", enabled.Select(t => $"{t.Name}: {t.Evidence}"))}; disable one (systemctl disable --now {string.Join(' ', enabled.Select(t => t.Name == "kdump-tools" ? "kdump-tools" : "kdump"))})")
            : new(ReadinessReport.NoCompetingTool, true, tools.Count == 0 ? "no other kdump tool installed" : $"installed but not enabled: {string.Join("; ", tools.Select(t => t.Evidence))}");
    }

    private static ReadinessCheck LastLoadCheck(GenerationRecord? latest) => latest switch
    {
        null => new(ReadinessReport.LastLoad, false, "no load attempt recorded"),
        { Outcome: GenerationOutcome.Failed or GenerationOutcome.Refused } => new(
            ReadinessReport.LastLoad,
            false,
            $"generation {latest.Number} {GenerationStore.OutcomeName(latest.Outcome)}: {latest.Error}"),
        { Action: GenerationAction.Unload } => new(ReadinessReport.LastLoad, false, $"generation {latest.Number} unloaded the panic kernel"),
        _ => new(ReadinessReport.LastLoad, true, $"generation {latest.Number} loaded"),
    };
}
