namespace Kdumpd.Core.Processes;

/// <summary>The seam to child processes (kexec, later makedumpfile): tests run fake scripts through the real runner or fake it.</summary>
public interface IProcessRunner
{
    /// <summary>
    /// Runs <paramref name="fileName"/> with <paramref name="arguments"/> (no shell), capturing stdout and
    /// stderr; a child still running after <paramref name="timeout"/> is killed with its process tree.
    /// </summary>
    Task<ProcessResult> RunAsync(string fileName, IReadOnlyList<string> arguments, TimeSpan timeout, CancellationToken cancellationToken);
}

/// <summary>
/// What a child process did. <see cref="ExitCode"/> is null when it never started
/// (<see cref="StartError"/> says why) or was killed on timeout.
/// </summary>
public sealed record ProcessResult(
    int? ExitCode,
    string Stdout,
    string Stderr,
    bool TimedOut,
    TimeSpan Elapsed,
    string? StartError = null)
{
    public bool Succeeded => ExitCode == 0 && !TimedOut && StartError is null;
}
