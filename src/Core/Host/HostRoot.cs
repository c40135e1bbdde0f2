namespace Kdumpd.Core.Host;

/// <summary>
/// The one door to the host's files. Every procfs, sysfs and /boot path is an absolute host
/// path ("/proc/iomem") resolved under <see cref="Root"/>, so tests and the built-in sample point
/// kdumpd at a captured tree and nothing in Core reads the real /proc by accident.
/// </summary>
public sealed class HostRoot
{
    public static HostRoot System { get; } = new("/");

    public HostRoot(string root)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        Root = Path.GetFullPath(root);
    }

    public string Root { get; }

    public bool IsSystemRoot => Root == "/";

    /// <summary>Maps an absolute host path ("/sys/kernel/vmcoreinfo") to the file under the root.</summary>
    public string Resolve(string hostPath)
    {
        if (!hostPath.StartsWith('/'))
        {
            throw new ArgumentException($"host path '{hostPath}' must be absolute", nameof(hostPath));
        }

        if (hostPath.Split('/').Contains(".."))
        {
            throw new ArgumentException($"host path '{hostPath}' must not contain '..'", nameof(hostPath));
        }

        return IsSystemRoot ? hostPath : Path.Join(Root, hostPath);
    }

    public bool FileExists(string hostPath) => File.Exists(Resolve(hostPath));

    public bool DirectoryExists(string hostPath) => Directory.Exists(Resolve(hostPath));

    /// <summary>The file's text, or null when it does not exist.</summary>
    public string? TryReadText(string hostPath)
    {
        var path = Resolve(hostPath);
        try
        {
            return File.ReadAllText(path);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
    }

    /// <summary>The file's text; a missing file is a <see cref="HostFileException"/> naming it.</summary>
    public string ReadText(string hostPath) =>
        TryReadText(hostPath) ?? throw new HostFileException(hostPath, Resolve(hostPath), "file is missing");

    public override string ToString() => Root;
}
