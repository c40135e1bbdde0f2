using Kdumpd.Core.Host;

namespace Kdumpd.Core.Initrd;

/// <summary>A module the capture initrd must load, with its path under /lib/modules/&lt;release&gt;/.</summary>
public sealed record KernelModuleFile(string Name, string RelativePath)
{
    /// <summary>xz/zstd/gzip modules go to finit_module(2) as they are, with MODULE_INIT_COMPRESSED_FILE.</summary>
    public bool Compressed => !RelativePath.EndsWith(".ko", StringComparison.Ordinal);
}

/// <summary>
/// One kernel release's module index as depmod wrote it under /lib/modules/&lt;release&gt;/: modules.dep
/// (each module's file and the files it needs), modules.builtin (compiled in: nothing to load),
/// modules.alias (exact aliases such as crypto-crc32c) and modules.softdep (ext4 wants crc32c first).
/// </summary>
public sealed class KernelModuleIndex
{
    private readonly Dictionary<string, (string Path, string[] Dependencies)> _modules = new(StringComparer.Ordinal);
    private readonly HashSet<string> _builtin = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<string>> _aliases = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<string>> _softPre = new(StringComparer.Ordinal);

    private KernelModuleIndex(string release, string directory)
    {
        Release = release;
        Directory = directory;
    }

    public string Release { get; }

    /// <summary>The host path /lib/modules/&lt;release&gt;.</summary>
    public string Directory { get; }

    /// <summary>Reads the index through the host root; a missing modules.dep is a <see cref="HostFileException"/>.</summary>
    public static KernelModuleIndex Read(HostRoot host, string release)
    {
        ArgumentNullException.ThrowIfNull(host);
        var directory = $"/lib/modules/{release}";
        var index = new KernelModuleIndex(release, directory);
        var depPath = $"{directory}/modules.dep";
        var lineNumber = 0;
        foreach (var line in host.ReadText(depPath).Split('\n'))
        {
            lineNumber++;
            if (line.Length == 0)
            {
                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                throw new HostFileException(depPath, host.Resolve(depPath), "no 'module: dependencies' colon", lineNumber);
            }

            var path = line[..colon].Trim();
            index._modules[NameOf(path)] = (path, line[(colon + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        }

        foreach (var line in (host.TryReadText($"{directory}/modules.builtin") ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            index._builtin.Add(NameOf(line.Trim()));
        }

        foreach (var line in (host.TryReadText($"{directory}/modules.alias") ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 3 && parts[0] == "alias" && !parts[1].Contains('*', StringComparison.Ordinal))
            {
                Add(index._aliases, Normalize(parts[1]), Normalize(parts[2]));
            }
        }

        foreach (var line in (host.TryReadText($"{directory}/modules.softdep") ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length < 4 || parts[0] != "softdep" || parts[2] != "pre:")
            {
                continue;
            }

            foreach (var pre in parts.Skip(3).TakeWhile(p => p != "post:"))
            {
                Add(index._softPre, Normalize(parts[1]), Normalize(pre));
            }
        }

        return index;
    }

    /// <summary>"virtio_blk" from "kernel/drivers/block/virtio_blk.ko.xz"; '-' and '_' are the same in module names.</summary>
    public static string NameOf(string path)
    {
        var file = Path.GetFileName(path);
        var ko = file.IndexOf(".ko", StringComparison.Ordinal);
        return Normalize(ko < 0 ? file : file[..ko]);
    }

    public static string Normalize(string name) => name.Replace('-', '_');

    public bool IsBuiltin(string name) => _builtin.Contains(Normalize(name));

    /// <summary>
    /// The files to load, each after everything it needs (modules.dep order, soft pre-dependencies first),
    /// for <paramref name="names"/> given as module names or exact aliases. Built-in modules need nothing;
    /// a name that is neither built in nor a module is in <paramref name="unknown"/>.
    /// </summary>
    public IReadOnlyList<KernelModuleFile> Closure(IEnumerable<string> names, out IReadOnlyList<string> unknown)
    {
        ArgumentNullException.ThrowIfNull(names);
        var order = new List<KernelModuleFile>();
        var done = new HashSet<string>(StringComparer.Ordinal);
        var missing = new List<string>();
        foreach (var name in names)
        {
            var resolved = ResolveName(Normalize(name));
            if (resolved.Count == 0)
            {
                missing.Add(name);
            }

            foreach (var module in resolved)
            {
                Visit(module, order, done, 0);
            }
        }

        unknown = missing;
        return order;
    }

    /// <summary>Module names a name stands for: itself (module or built-in), else what its exact alias names.</summary>
    private List<string> ResolveName(string name)
    {
        if (_modules.ContainsKey(name) || _builtin.Contains(name))
        {
            return [name];
        }

        return _aliases.TryGetValue(name, out var targets) ? targets.Where(t => _modules.ContainsKey(t) || _builtin.Contains(t)).ToList() : [];
    }

    private void Visit(string name, List<KernelModuleFile> order, HashSet<string> done, int depth)
    {
        if (depth > 64 || !done.Add(name) || !_modules.TryGetValue(name, out var module))
        {
            return;
        }

        if (_softPre.TryGetValue(name, out var pre))
        {
            foreach (var soft in pre.SelectMany(ResolveName))
            {
                Visit(soft, order, done, depth + 1);
            }
        }

        // modprobe loads a module's dependencies from the end of its modules.dep line backwards.
        foreach (var dependency in module.Dependencies.Reverse())
        {
            Visit(NameOf(dependency), order, done, depth + 1);
        }

        order.Add(new KernelModuleFile(name, module.Path));
    }

    private static void Add(Dictionary<string, List<string>> map, string key, string value)
    {
        if (!map.TryGetValue(key, out var list))
        {
            map[key] = list = [];
        }

        if (!list.Contains(value))
        {
            list.Add(value);
        }
    }
}
