using System.Runtime.InteropServices;
using Kdumpd.Core.Loading;

namespace Kdumpd.Daemon.Cli;

/// <summary>
/// What a verb needs root for, checked before anything is opened: a user who is not root gets one
/// line naming what needs root, and the catalogue database is never created, migrated or locked on
/// their behalf. Trees and databases of their own (--host-root, --database, --loader dry-run) stay usable.
/// </summary>
internal static partial class RootRequirement
{
    private const int WriteOk = 2;

    public static bool IsRoot => GetEffectiveUserId() == 0;

    /// <summary>Null when this user may open (and create) the database; else what needs root.</summary>
    public static string? ForDatabase(string path)
    {
        if (IsRoot)
        {
            return null;
        }

        // SQLite in WAL mode writes the file and creates -wal/-shm beside it: both must be writable.
        var full = Path.GetFullPath(path);
        var directory = NearestExistingDirectory(Path.GetDirectoryName(full)!);
        return Writable(directory) && (!File.Exists(full) || Writable(full))
            ? null
            : $"needs root: the catalogue database {full} is root's (run it with sudo, or name a database of your own with --database)";
    }

    /// <summary>Null for the dry run or as root; else why loading needs root.</summary>
    public static string? ForLoader(LoaderKind loader) =>
        IsRoot || loader == LoaderKind.DryRun
            ? null
            : $"needs root: loading or unloading the panic kernel ({loader.Name()}) needs CAP_SYS_BOOT (run it with sudo, or use --loader dry-run)";

    /// <summary>Null as root; else why the daemon needs root.</summary>
    public static string? ForDaemon() =>
        IsRoot
            ? null
            : "needs root: the daemon loads the panic kernel (CAP_SYS_BOOT), reads /proc/kcore and /dev/kmsg and owns /var/lib/kdumpd; "
              + "start it with 'systemctl start kdumpd', or try 'kdumpd run --sample' (touches nothing)";

    private static string NearestExistingDirectory(string directory)
    {
        while (!Directory.Exists(directory) && Path.GetDirectoryName(directory) is { } parent)
        {
            directory = parent;
        }

        return directory;
    }

    private static bool Writable(string path) => Access(path, WriteOk) == 0;

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEffectiveUserId();

    [LibraryImport("libc", EntryPoint = "access", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Access(string path, int mode);
}
