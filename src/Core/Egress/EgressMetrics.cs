using System.Collections.Concurrent;

namespace Kdumpd.Core.Egress;

/// <summary>Per target: bytes put on the wire and dumps by outcome (verified, failed), for /metrics.</summary>
public sealed class EgressMetrics
{
    private readonly ConcurrentDictionary<string, long> _bytes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Target, string Outcome), long> _outcomes = new();

    public void AddBytes(string target, long bytes) => _bytes.AddOrUpdate(target, bytes, (_, v) => v + bytes);

    public void Outcome(string target, EgressState outcome) => _outcomes.AddOrUpdate((target, outcome.ToName()), 1, (_, v) => v + 1);

    public IReadOnlyDictionary<string, long> BytesSent => _bytes;

    public IReadOnlyDictionary<(string Target, string Outcome), long> Outcomes => _outcomes;
}
