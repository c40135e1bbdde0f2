using Kdumpd.Core.Host;

namespace Kdumpd.Core.Catalog;

/// <summary>What a generation row records: a load or an unload.</summary>
public enum GenerationAction
{
    Load,
    Unload,
}

/// <summary>How the attempt ended. Refused = kdumpd did not call the kernel (budget, load limit, missing files).</summary>
public enum GenerationOutcome
{
    Loaded,
    Failed,
    Refused,
    Unloaded,
}

/// <summary>
/// One numbered load (or unload) attempt of the panic kernel, as stored in the generations table.
/// <see cref="UnarmedMs"/> is an upper bound of the time the host had no panic kernel around this call;
/// <see cref="ArmedAfter"/> is the kernel's kexec_crash_loaded right after it.
/// </summary>
public sealed record GenerationRecord
{
    public int Number { get; init; }

    public DateTimeOffset StartedAt { get; init; }

    public GenerationAction Action { get; init; } = GenerationAction.Load;

    public IReadOnlyList<string> Triggers { get; init; } = [];

    public bool OperatorRequested { get; init; }

    public string? PlanFingerprint { get; init; }

    /// <summary>The kernel interface used: kexec_file_load, kexec_load, or none (dry run).</summary>
    public string? Interface { get; init; }

    /// <summary>The loader: kexec-file, kexec-tools, dry-run (auto records the one that ran).</summary>
    public required string Loader { get; init; }

    /// <summary>The running kernel release the load was made for.</summary>
    public string? KernelRelease { get; init; }

    public FileFingerprint? Kernel { get; init; }

    public FileFingerprint? Initrd { get; init; }

    public string? CommandLine { get; init; }

    public GenerationOutcome Outcome { get; init; }

    public string? Error { get; init; }

    /// <summary>Notes (fallbacks, dry run) and kexec-tools' output, verbatim.</summary>
    public string? Detail { get; init; }

    public int Attempts { get; init; }

    public double? DurationMs { get; init; }

    public double? UnarmedMs { get; init; }

    public bool? ArmedBefore { get; init; }

    public bool? ArmedAfter { get; init; }

    /// <summary>kexec_load_limit_panic after the attempt; null = no such sysctl or unlimited (-1).</summary>
    public int? LoadBudgetLeft { get; init; }

    public long? ReservationBytes { get; init; }

    public string? PlanJson { get; init; }

    public byte[]? ElfCoreHeader { get; init; }

    public bool IsLoaded => Action == GenerationAction.Load && Outcome == GenerationOutcome.Loaded;
}
