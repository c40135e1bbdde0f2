using System.Collections.Immutable;

namespace Kdumpd.Core.Host;

/// <summary>One PT_LOAD of /proc/kcore's header: how the running kernel maps a piece of memory.</summary>
public sealed record KcoreSegment(ulong VirtualAddress, ulong PhysicalAddress, ulong MemorySize)
{
    /// <summary>kcore marks segments without a physical address (vmalloc, modules) with all ones.</summary>
    public bool HasPhysicalAddress => PhysicalAddress != ulong.MaxValue;
}

/// <summary>The program headers of /proc/kcore (root only; only its header is read).</summary>
public sealed record KcoreHeader(ImmutableArray<KcoreSegment> Segments);

/// <summary>Kernel symbols from /proc/kallsyms that place the kernel image; zero (unprivileged) reads as absent.</summary>
public sealed record KernelSymbols(ulong? Text, ulong? End, ulong? Stext);
