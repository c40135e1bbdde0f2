using Polly;
using Polly.Retry;

namespace Kdumpd.Core.Loading;

/// <summary>Bounded retry for transient load failures. Each retry of a crash load spends a kexec_load_limit_panic unit too.</summary>
public sealed record LoadRetryOptions
{
    public int MaxAttempts { get; init; } = 3;

    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(2);
}

/// <summary>
/// The Polly pipeline around one loader call: EBUSY/EAGAIN and kexec children that timed out are retried
/// with exponential backoff and jitter; everything else is returned at once and reported once.
/// </summary>
public static class LoadRetry
{
    // onRetry gets the failed result, its 1-based attempt number and the call's context before each retry.
    public static ResiliencePipeline<LoaderResult> Build(LoadRetryOptions options, TimeProvider timeProvider, Action<LoaderResult, int, ResilienceContext>? onRetry = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.MaxAttempts <= 1)
        {
            return ResiliencePipeline<LoaderResult>.Empty;
        }

        return new ResiliencePipelineBuilder<LoaderResult> { TimeProvider = timeProvider }
            .AddRetry(new RetryStrategyOptions<LoaderResult>
            {
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Result is { Failure.IsTransient: true }),
                MaxRetryAttempts = options.MaxAttempts - 1,
                Delay = options.BaseDelay,
                MaxDelay = options.MaxDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                OnRetry = args =>
                {
                    if (args.Outcome.Result is { } result)
                    {
                        onRetry?.Invoke(result, args.AttemptNumber + 1, args.Context);
                    }

                    return ValueTask.CompletedTask;
                },
            })
            .Build();
    }
}
