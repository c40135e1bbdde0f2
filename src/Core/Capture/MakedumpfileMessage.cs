using System.Text.RegularExpressions;
using Kdumpd.Core.Processes;

namespace Kdumpd.Core.Capture;

/// <summary>
/// The one line of a failed makedumpfile run that says why, for a console line and kdumpd.json.
/// makedumpfile prints its messages on stdout and its progress bars on stderr, redrawn with '\r'
/// (the last "line" of stdout+stderr is a progress bar), and it always ends with "makedumpfile Failed."
/// after a closing remark. The cause is the first line that names a failure; else the last other line.
/// </summary>
public static partial class MakedumpfileMessage
{
    private const string Closing = "makedumpfile Failed.";

    public static string Reason(ProcessResult outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        if (outcome.StartError is { } start)
        {
            return start;
        }

        var lines = $"{outcome.Stdout}\n{outcome.Stderr}"
            .Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(line => !Progress().IsMatch(line) && line != Closing)
            .ToList();
        return lines.FirstOrDefault(line => Failure().IsMatch(line)) ?? lines.LastOrDefault() ?? (outcome.TimedOut ? "timed out" : "no message");
    }

    /// <summary>"Copying data   : [  5.9 %] \   eta: 1s"</summary>
    [GeneratedRegex(@"\[\s*\d+(\.\d+)?\s*%\]")]
    private static partial Regex Progress();

    /// <summary>An errno text or makedumpfile's own words for a failure ("Can't write the dump file(...). No space left on device").</summary>
    [GeneratedRegex(@"No space left|Can't|cannot|failed|error|invalid|not permitted|denied", RegexOptions.IgnoreCase)]
    private static partial Regex Failure();
}
