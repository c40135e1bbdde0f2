namespace Kdumpd.Core.Egress;

/// <summary>
/// What an uploader reports while it works and the bounds it works under: bytes put on the wire
/// (resends included), bytes the target acknowledged, and the target's shared bandwidth cap.
/// </summary>
public sealed class EgressTransfer(BandwidthLimiter limiter, Action<long>? sent = null, Action<long>? acknowledged = null)
{
    public BandwidthLimiter Limiter { get; } = limiter;

    public void Sent(long bytes) => sent?.Invoke(bytes);

    public void Acknowledged(long bytes) => acknowledged?.Invoke(bytes);
}
