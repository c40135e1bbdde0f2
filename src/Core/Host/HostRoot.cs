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

    /// <summary>
    /// The host path <paramref name="hostPath"/> names once every symlink in it is followed inside the root
    /// (sysfs is made of relative links: /sys/class/block/vda1 → ../../devices/.../vda1). An absolute link
    /// target means the host's root, never this machine's. Null when a component does not exist.
    /// </summary>
    public string? Canonical(string hostPath)
    {
        _ = Resolve(hostPath);
        var pending = new Stack<string>(hostPath.Split('/', StringSplitOptions.RemoveEmptyEntries).Reverse());
        var current = new List<string>();
        for (var hops = 0; pending.Count > 0;)
        {
            var part = pending.Pop();
            if (part == ".")
            {
                continue;
            }

            if (part == "..")
            {
                if (current.Count > 0)
                {
                    current.RemoveAt(current.Count - 1);
                }

                continue;
            }

            var candidate = "/" + string.Join('/', current.Append(part));
            var real = IsSystemRoot ? candidate : Path.Join(Root, candidate);
            var info = new FileInfo(real);
            if (info.LinkTarget is { } target)
            {
                if (++hops > 40)
                {
                    throw new HostFileException(hostPath, Resolve(hostPath), "too many levels of symbolic links");
                }

                if (target.StartsWith('/'))
                {
                    current.Clear();
                }

                foreach (var t in target.Split('/', StringSplitOptions.RemoveEmptyEntries).Reverse())
                {
                    pending.Push(t);
                }

                continue;
            }

            if (!info.Exists && !Directory.Exists(real))
            {
                return null;
            }

            current.Add(part);
        }

        return "/" + string.Join('/', current);
    }

    /// <summary>The last component of the link at <paramref name="hostPath"/> ("virtio_blk" for .../driver/module), or null.</summary>
    public string? LinkName(string hostPath)
    {
        var target = new FileInfo(Resolve(hostPath)).LinkTarget;
        return target is null ? null : Path.GetFileName(target.TrimEnd('/'));
    }

    public override string ToString() => Root;
}
