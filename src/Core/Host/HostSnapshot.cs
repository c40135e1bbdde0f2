using System.Collections.Immutable;

namespace Kdumpd.Core.Host;

/// <summary>
/// Everything the planner needs to know about a host, read once. Optional files the host does not have
/// are null; required ones are never null (their absence is a <see cref="HostFileException"/> at read time).
/// </summary>
public sealed record HostSnapshot(
    string Root,
    IomemTree Iomem,
    CpuTopology Cpus,
    MemoryBlocks? Memory,
    VmcoreInfoLocation? VmcoreInfo,
    CrashKernelState Kexec,
    string? KernelRelease,
    string? CommandLine,
    KcoreHeader? Kcore,
    KernelSymbols? Symbols)
{
    public ImmutableArray<IomemResource> CrashReservations => Iomem.CrashKernels();
}
