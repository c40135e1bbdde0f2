using System.Collections.Immutable;

namespace Kdumpd.Core.Host;

/// <summary>One /sys/devices/system/memory/memoryN block.</summary>
public sealed record MemoryBlock(int Index, ulong PhysIndex, string State, string? ValidZones)
{
    public bool IsOnline => State == "online";
}

/// <summary>The memory block view of hotpluggable RAM.</summary>
public sealed record MemoryBlocks(
    ulong BlockSizeBytes,
    ImmutableArray<MemoryBlock> Blocks,
    string? AutoOnlineBlocks,
    bool? CrashHotplug);
