namespace Kdumpd.Core.Processes;

/// <summary>The one seam to child processes (kexec, makedumpfile, systemctl): tests run fake scripts through the real runner or fake it.</summary>
public interface IProcessRunner
{
    /// <summary>
    /// Runs <paramref name="fileName"/> with <paramref name="arguments"/> (no shell), capturing stdout and
    /// stderr; a child still running after <paramref name="timeout"/> is killed with its process tree.
    /// </summary>
    Task<ProcessResult> RunAsync(string fileName, IReadOnlyList<string> arguments, TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>The full path of <paramref name="program"/> (PATH, then the sbin directories), or null.</summary>
    string? Find(string program);
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
    /// <summary>Keeps the log line of a chatty child bounded: the tail is where tools say why they failed.</summary>
    public const int MaxOutputChars = 64 * 1024;

    public bool Succeeded => ExitCode == 0 && !TimedOut && StartError is null;

    /// <summary>Stdout then stderr (or why the child never started), the last <see cref="MaxOutputChars"/> characters.</summary>
    public string Output
    {
        get
        {
            var all = StartError ?? Stdout + Stderr;
            return all.Length > MaxOutputChars ? all[^MaxOutputChars..] : all;
        }
    }
}
