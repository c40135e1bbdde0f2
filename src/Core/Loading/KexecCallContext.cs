namespace Kdumpd.Core.Loading;

/// <summary>What the errno mapping needs to say a useful sentence: which files, how big, how much room.</summary>
public sealed record KexecCallContext(
    string Operation,
    string? KernelPath = null,
    long? KernelBytes = null,
    string? InitrdPath = null,
    long? InitrdBytes = null,
    long? ReservationBytes = null,
    int? LoadLimitBefore = null,
    bool KexecLoadDisabled = false,
    int CommandLineBytes = 0);
