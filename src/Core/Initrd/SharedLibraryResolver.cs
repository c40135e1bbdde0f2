using Kdumpd.Core.Elf;
using Kdumpd.Core.Host;

namespace Kdumpd.Core.Initrd;

/// <summary>
/// The files an executable needs to run in the initrd: its ELF interpreter and the DT_NEEDED closure of
/// shared libraries, found in the host's library directories (the dynamic loader's default search path,
/// as the initrd has no ld.so.cache).
/// </summary>
public sealed class SharedLibraryResolver(HostRoot host)
{
    public static IReadOnlyList<string> SearchDirectories { get; } =
    [
        "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib/aarch64-linux-gnu", "/usr/lib/aarch64-linux-gnu",
        "/lib64", "/usr/lib64", "/lib", "/usr/lib",
    ];

    /// <summary>Host paths of the interpreter and every library <paramref name="executable"/> needs, each once.</summary>
    public IReadOnlyList<string> Closure(string executable, out IReadOnlyList<string> missing)
    {
        var found = new List<string>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        var lost = new List<string>();
        var queue = new Queue<string>();
        queue.Enqueue(executable);
        var first = true;
        while (queue.Count > 0)
        {
            var file = queue.Dequeue();
            ElfDynamicInfo info;
            using (var mapped = MappedFile.Open(first ? executable : host.Resolve(file)))
            {
                info = ElfDynamicInfo.Read(mapped.Span, file);
            }

            first = false;
            if (info.Interpreter is { } interp && names.Add(interp))
            {
                found.Add(interp);
            }

            foreach (var needed in info.Needed)
            {
                if (!names.Add(needed))
                {
                    continue;
                }

                var path = SearchDirectories.Select(d => $"{d}/{needed}").FirstOrDefault(host.FileExists);
                if (path is null)
                {
                    lost.Add(needed);
                    continue;
                }

                found.Add(path);
                queue.Enqueue(path);
            }
        }

        missing = lost;
        return found;
    }
}
