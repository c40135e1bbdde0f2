namespace Kdumpd.Core.Processes;

/// <summary>
/// The one PATH search: finds a program the way a root shell would, including the sbin directories
/// a daemon's PATH (or the capture initrd's missing PATH) may lack.
/// </summary>
public static class ExecutableLocator
{
    private static readonly string[] _sbinDirectories = ["/usr/local/sbin", "/usr/sbin", "/sbin", "/usr/bin", "/bin"];

    /// <summary>The full path of <paramref name="name"/>, or null. A name with a '/' is checked as given.</summary>
    public static string? Find(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (name.Contains('/', StringComparison.Ordinal))
        {
            return IsExecutable(name) ? Path.GetFullPath(name) : null;
        }

        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (var directory in path.Split(':', StringSplitOptions.RemoveEmptyEntries).Concat(_sbinDirectories))
        {
            var candidate = Path.Join(directory, name);
            if (IsExecutable(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private static bool IsExecutable(string path) =>
        !OperatingSystem.IsWindows() &&
        File.Exists(path) && (File.GetUnixFileMode(path) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0;
}
