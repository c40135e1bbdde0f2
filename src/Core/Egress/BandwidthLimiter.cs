namespace Kdumpd.Core.Egress;

/// <summary>
/// Caps the bytes per second of every transfer of one target together (a token bucket holding at
/// most one second of credit). Zero means unbounded. Callers ask before they send a buffer.
/// </summary>
public sealed class BandwidthLimiter(long bytesPerSecond, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly Lock _lock = new();
    private double _credit = bytesPerSecond;
    private long _lastTicks = (time ?? TimeProvider.System).GetTimestamp();

    public long BytesPerSecond { get; } = bytesPerSecond;

    public static BandwidthLimiter Unbounded { get; } = new(0);

    public async ValueTask WaitAsync(int bytes, CancellationToken cancellationToken)
    {
        if (BytesPerSecond <= 0 || bytes <= 0)
        {
            return;
        }

        TimeSpan wait;
        lock (_lock)
        {
            var now = _time.GetTimestamp();
            _credit = Math.Min(BytesPerSecond, _credit + _time.GetElapsedTime(_lastTicks, now).TotalSeconds * BytesPerSecond);
            _lastTicks = now;
            _credit -= bytes;
            wait = _credit >= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(-_credit / BytesPerSecond);
        }

        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, _time, cancellationToken);
        }
    }
}
