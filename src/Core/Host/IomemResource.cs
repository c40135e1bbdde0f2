using System.Collections.Immutable;

namespace Kdumpd.Core.Host;

/// <summary>One node of the /proc/iomem resource tree; <see cref="End"/> is inclusive, as the file writes it.</summary>
public sealed record IomemResource(ulong Start, ulong End, string Name, int Depth, int Line, ImmutableArray<IomemResource> Children)
{
    public ulong Size => End - Start + 1;

    public bool IsSystemRam => Name == "System RAM" || Name.StartsWith("System RAM (", StringComparison.Ordinal);

    public bool IsCrashKernel => Name == "Crash kernel";
}
