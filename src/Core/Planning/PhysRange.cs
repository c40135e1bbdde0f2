namespace Kdumpd.Core.Planning;

/// <summary>A physical address range, <see cref="End"/> exclusive.</summary>
public readonly record struct PhysRange(ulong Start, ulong End)
{
    public ulong Size => End - Start;

    public bool IsEmpty => End <= Start;

    public bool Overlaps(PhysRange other) => Start < other.End && other.Start < End;

    public bool Contains(PhysRange other) => Start <= other.Start && other.End <= End;

    public static PhysRange FromInclusive(ulong start, ulong last) => new(start, last == ulong.MaxValue ? ulong.MaxValue : last + 1);

    public override string ToString() => $"{Start:x16}-{End - 1:x16}";
}
