using System.Collections.ObjectModel;

namespace Kdumpd.Core.Reload;

/// <summary>
/// The triggers one pass coalesced: how many of each label ("memory/add" ×4, "kernel-file" ×1),
/// when the burst began and ended, the uevent sequence-number range and a few samples.
/// </summary>
public sealed record BurstSummary(
    int Count,
    IReadOnlyDictionary<string, int> CountsByLabel,
    IReadOnlySet<ReloadTriggerKind> Kinds,
    DateTimeOffset FirstAt,
    DateTimeOffset LastAt,
    ulong? FirstSeqNum,
    ulong? LastSeqNum,
    IReadOnlyList<ReloadTrigger> Samples)
{
    /// <summary>Only memory/CPU uevents: the case the kernel can handle itself.</summary>
    public bool OnlyHotplug => Kinds.All(k => k is ReloadTriggerKind.MemoryHotplug or ReloadTriggerKind.CpuHotplug);

    public bool HasMemory => Kinds.Contains(ReloadTriggerKind.MemoryHotplug);

    public bool HasCpu => Kinds.Contains(ReloadTriggerKind.CpuHotplug);

    /// <summary>"memory/add×4 memory/online×4 kernel-file×1".</summary>
    public string Describe() => string.Join(' ', CountsByLabel.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}×{p.Value}"));
}

/// <summary>Accumulates a burst. Memory stays bounded whatever the flood: counts plus a few samples.</summary>
internal sealed class ReloadBurst
{
    private const int MaxSamples = 16;

    private readonly Dictionary<string, int> _counts = new(StringComparer.Ordinal);
    private readonly HashSet<ReloadTriggerKind> _kinds = [];
    private readonly List<ReloadTrigger> _samples = [];

    public int Count { get; private set; }

    public DateTimeOffset FirstAt { get; private set; }

    public DateTimeOffset LastAt { get; private set; }

    public ulong? FirstSeqNum { get; private set; }

    public ulong? LastSeqNum { get; private set; }

    public bool Force { get; private set; }

    public bool SpendLastLoad { get; private set; }

    public List<TaskCompletionSource<ReloadPassRecord>> Waiters { get; } = [];

    public bool Has(ReloadTriggerKind kind) => _kinds.Contains(kind);

    public void Add(ReloadTrigger trigger)
    {
        if (Count == 0)
        {
            FirstAt = trigger.At;
            LastAt = trigger.At;
        }

        Count++;
        if (trigger.At < FirstAt)
        {
            FirstAt = trigger.At;
        }

        if (trigger.At > LastAt)
        {
            LastAt = trigger.At;
        }

        var label = trigger.Label;
        _counts[label] = _counts.GetValueOrDefault(label) + 1;
        // Non-hotplug triggers are rare and each one matters to the log; hotplug ones are sampled.
        if (_kinds.Add(trigger.Kind) || (!trigger.IsHotplug && _samples.Count < MaxSamples * 2) || _samples.Count < MaxSamples)
        {
            _samples.Add(trigger);
        }

        if (trigger.SeqNum is { } seq)
        {
            FirstSeqNum = FirstSeqNum is null ? seq : Math.Min(FirstSeqNum.Value, seq);
            LastSeqNum = LastSeqNum is null ? seq : Math.Max(LastSeqNum.Value, seq);
        }

        Force |= trigger.Force;
        SpendLastLoad |= trigger.SpendLastLoad;
        if (trigger.Completion is { } completion)
        {
            Waiters.Add(completion);
        }
    }

    public BurstSummary ToSummary() => new(
        Count,
        new ReadOnlyDictionary<string, int>(new Dictionary<string, int>(_counts, StringComparer.Ordinal)),
        new HashSet<ReloadTriggerKind>(_kinds),
        FirstAt,
        LastAt,
        FirstSeqNum,
        LastSeqNum,
        _samples.ToArray());
}
