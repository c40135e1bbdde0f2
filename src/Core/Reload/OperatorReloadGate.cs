namespace Kdumpd.Core.Reload;

/// <summary>
/// At most one operator-initiated reload (API) per interval: every load spends a unit of
/// kernel.kexec_load_limit_panic and leaves the host unarmed for a moment, so a token holder in a
/// loop must not be able to do either without limit.
/// </summary>
public sealed class OperatorReloadGate(TimeProvider time, TimeSpan minInterval)
{
    private readonly Lock _lock = new();
    private DateTimeOffset? _last;
    private TimeSpan _minInterval = minInterval;

    /// <summary>Reload:OperatorIntervalSeconds; a configuration reload changes it for the next request.</summary>
    public TimeSpan MinInterval
    {
        get
        {
            lock (_lock)
            {
                return _minInterval;
            }
        }

        set
        {
            lock (_lock)
            {
                _minInterval = value;
            }
        }
    }

    /// <summary>True and the slot is taken; false with the time to wait when the last one is too recent.</summary>
    public bool TryEnter(out TimeSpan retryAfter)
    {
        var now = time.GetUtcNow();
        lock (_lock)
        {
            if (_last is { } last && now - last < _minInterval)
            {
                retryAfter = _minInterval - (now - last);
                return false;
            }

            _last = now;
            retryAfter = TimeSpan.Zero;
            return true;
        }
    }
}
