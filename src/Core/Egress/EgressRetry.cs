using Polly;
using Polly.Retry;

namespace Kdumpd.Core.Egress;

/// <summary>
/// The retry pipeline of one target: exponential backoff with jitter, transient errors only
/// (<see cref="TransientErrors"/>); each attempt resumes from the journal, so a retry sends only
/// what the target does not hold.
/// </summary>
public static class EgressRetry
{
    public static ResiliencePipeline For(EgressLimits limits, Action<OnRetryArguments<object>>? onRetry = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(limits);
        var builder = new ResiliencePipelineBuilder();
        if (time is not null)
        {
            builder.TimeProvider = time;
        }

        if (limits.RetryAttempts > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = limits.RetryAttempts,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = limits.RetryBaseDelay ?? TimeSpan.FromSeconds(2),
                MaxDelay = TimeSpan.FromMinutes(2),
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } e && TransientErrors.IsTransient(e, args.Context.CancellationToken)),
                OnRetry = args =>
                {
                    onRetry?.Invoke(args);
                    return ValueTask.CompletedTask;
                },
            });
        }

        return builder.Build();
    }
}
