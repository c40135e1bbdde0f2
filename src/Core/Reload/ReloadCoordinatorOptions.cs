namespace Kdumpd.Core.Reload;

/// <summary>Timing of the <see cref="ReloadCoordinator"/>.</summary>
public sealed record ReloadCoordinatorOptions
{
    /// <summary>A burst ends after this long without a new trigger (default 500 ms).</summary>
    public TimeSpan QuietWindow { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>...but never later than this after its first trigger, whatever keeps trickling in (default 5 s).</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>First retry after a failed pass (default 10 s), doubled per consecutive failure.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Upper bound of the retry backoff (default 5 min, the reconcile period).</summary>
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromMinutes(5);

    public void Validate()
    {
        if (QuietWindow <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(QuietWindow), QuietWindow, "the quiet window must be positive");
        }

        if (MaxDelay < QuietWindow)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxDelay), MaxDelay, $"the maximum delay must be at least the quiet window ({QuietWindow})");
        }

        if (RetryDelay <= TimeSpan.Zero || MaxRetryDelay < RetryDelay)
        {
            throw new ArgumentOutOfRangeException(nameof(RetryDelay), RetryDelay, "retry delays must be positive and RetryDelay <= MaxRetryDelay");
        }
    }
}
