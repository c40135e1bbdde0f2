using System.Collections.Immutable;

namespace Kdumpd.Core.Host;

/// <summary>One CPU's crash notes buffer: the per-CPU area the dying kernel fills with its registers.</summary>
public sealed record CpuCrashNotes(int Cpu, ulong Address, ulong Size);

/// <summary>
/// /sys/devices/system/cpu: possible/present/online lists and the crash_notes of every CPU that has a
/// directory (only present CPUs do; a possible but absent CPU's notes address is not visible).
/// </summary>
public sealed record CpuTopology(
    ImmutableArray<int> Possible,
    ImmutableArray<int> Present,
    ImmutableArray<int> Online,
    ImmutableArray<CpuCrashNotes> CrashNotes,
    bool? CrashHotplug);
