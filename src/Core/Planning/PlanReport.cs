using System.Globalization;
using System.Text.Json.Serialization;
using Kdumpd.Core.Elf;
using Kdumpd.Core.Host;

namespace Kdumpd.Core.Planning;

/// <summary>
/// The plan's one canonical JSON shape: `kdumpd plan --format json`, GET /v1/plan and the plan
/// stored with each generation. Addresses are "0x..." strings
/// so no JSON reader loses the top bits of a 64-bit address; sizes are numbers.
/// </summary>
public sealed record PlanReport(
    string HostRoot,
    string? KernelRelease,
    string Layout,
    string Profile,
    IReadOnlyList<RangeReport> Reservations,
    IReadOnlyList<NoteReport> Notes,
    IReadOnlyList<LoadReport> Loads,
    BackupReport? Backup,
    HeaderReport Header,
    BudgetReport Budget,
    string CaptureCommandLine,
    IReadOnlyList<FindingReport> Findings,
    string Fingerprint,
    IReadOnlyList<RangeReport> SystemRam)
{
    /// <param name="plan">The plan.</param>
    /// <param name="hostRoot">The host root it was made from.</param>
    /// <param name="systemRam">The host's System RAM ranges the plan was cut from (the dashboard draws them beside the loads).</param>
    public static PlanReport From(CrashPlan plan, string hostRoot, IEnumerable<IomemResource> systemRam)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return new PlanReport(
            hostRoot,
            plan.KernelRelease,
            plan.Layout.ToName(),
            plan.Profile.Name,
            [.. plan.Reservations.Select(r => new RangeReport(Hex(r.Start), Hex(r.End - 1), r.Size))],
            [.. plan.Notes.Select(n => new NoteReport(n.Kind == NoteKind.VmcoreInfo ? "vmcoreinfo" : "crash_notes", n.Cpu, Hex(n.Address), n.Size))],
            [.. plan.Loads.Select(l => new LoadReport(KindName(l.Kind), Hex(l.PhysicalAddress), l.Size, Hex(l.Offset), Hex(l.VirtualAddress)))],
            plan.Backup is { } b ? new BackupReport(Hex(b.Source.Start), b.Source.Size, Hex(b.Destination), b.ReservedSize) : null,
            new HeaderReport(plan.Header.IsPlaced ? Hex(plan.Header.Address) : null, plan.Header.Size, plan.Header.MemorySize, plan.Header.Class == ElfClass.Elf64 ? "ELF64" : "ELF32", plan.Header.ProgramHeaderCount),
            new BudgetReport(plan.Budget.Reserved, plan.Budget.Needed, plan.Budget.Kernel, plan.Budget.Initrd, plan.Budget.Header, plan.Budget.Backup, plan.Budget.WorkingMemory, plan.Budget.Fits),
            plan.CaptureCommandLine,
            [.. plan.Findings.Select(f => new FindingReport(f.Severity.ToString().ToLowerInvariant(), f.Code, f.Message))],
            "sha256:" + plan.Fingerprint,
            [.. systemRam.Select(r => new RangeReport(Hex(r.Start), Hex(r.End), r.Size))]);
    }

    public static string KindName(LoadKind kind) => kind switch
    {
        LoadKind.KernelText => "kernel-text",
        LoadKind.BackedUpRam => "ram-backup",
        _ => "ram",
    };

    public static string Hex(ulong value) => "0x" + value.ToString("x", CultureInfo.InvariantCulture);
}

public sealed record RangeReport(string Start, string End, ulong Size);

public sealed record NoteReport(string Kind, int? Cpu, string Address, ulong Size);

public sealed record LoadReport(string Kind, string PhysicalAddress, ulong Size, string Offset, string VirtualAddress);

public sealed record BackupReport(string Source, ulong Size, string Destination, ulong Reserved);

public sealed record HeaderReport(string? Address, ulong Size, ulong Reserved, string Class, int ProgramHeaders);

public sealed record BudgetReport(ulong Reserved, ulong Needed, ulong Kernel, ulong Initrd, ulong Header, ulong Backup, ulong WorkingMemory, bool Fits);

public sealed record FindingReport(string Severity, string Code, string Message);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(PlanReport))]
public sealed partial class PlanReportJsonContext : JsonSerializerContext;
