using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using Kdumpd.Core.Elf;
using Kdumpd.Core.Host;
using Kdumpd.Core.Planning;

namespace Kdumpd.Core.Initrd;

/// <summary>How kdumpd builds its capture initrd (the Capture section of the configuration); the kernel release comes with each build.</summary>
public sealed record CaptureInitrdSettings
{
    /// <summary>The dump directory as the booted system sees it (/var/crash).</summary>
    public required string DumpDirectory { get; init; }

    /// <summary>kdumpd-init, the native capture program on this machine (becomes /init).</summary>
    public required string InitBinary { get; init; }

    /// <summary>Where built initrds are kept (the state directory's initrd/).</summary>
    public required string CacheDirectory { get; init; }

    /// <summary>How to capture and what to do afterwards; the builder adds the target, the modules and the tools.</summary>
    public CaptureInitrdSpec Capture { get; init; } = CaptureInitrdSpec.Defaults;
}

/// <summary>
/// Builds kdumpd's own capture initrd: a small standalone initramfs with kdumpd's native binary as /init,
/// the host's modules for the dump target's driver chain only, makedumpfile with its libraries when the
/// host has it, and the capture spec. The archive is reproducible (sorted, fixed mtimes, uid 0) and kept
/// under its content key, so an unchanged host reuses the same file and the same fingerprint.
/// </summary>
public sealed class CaptureInitrdBuilder(HostRoot host)
{
    public const string ModulesDirectory = "lib/modules";
    public const string InitrdSuffix = ".cpio.gz";

    /// <summary>gzip's trailer: CRC32, then ISIZE (the uncompressed length mod 2^32), both little-endian u32.</summary>
    private const int GzipTrailerLength = 8;

    /// <summary>First line of the manifest the key is the digest of: a new archive layout gives new keys.</summary>
    private const string ManifestFormat = "kdumpd capture initrd manifest 1 (newc, sorted, mtime 0, uid 0)";

    private static readonly string[] _makedumpfilePaths = ["/usr/sbin/makedumpfile", "/sbin/makedumpfile", "/usr/bin/makedumpfile"];
    private static readonly string[] _lvmPaths = ["/usr/sbin/lvm", "/sbin/lvm"];

    /// <summary>
    /// Builds (or reuses) the capture initrd for the capture kernel <paramref name="kernelRelease"/>. The
    /// members' digests come from <paramref name="digests"/> (remembered by file identity), so an unchanged
    /// host finds its initrd without reading the files it is made of.
    /// </summary>
    public CaptureInitrd Build(CaptureInitrdSettings request, string kernelRelease, FileDigests? digests = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrEmpty(kernelRelease);
        var target = new DumpTargetResolver(host).Resolve(request.DumpDirectory);
        if (target.Stack == DumpTargetKind.Encrypted)
        {
            throw new CaptureInitrdException(target.Findings[^1]);
        }

        if (!target.Reachable)
        {
            throw new CaptureInitrdException($"the capture initrd cannot reach {request.DumpDirectory}: {string.Join("; ", target.Findings)}");
        }

        if (!File.Exists(request.InitBinary))
        {
            throw new CaptureInitrdException($"kdumpd-init {request.InitBinary} does not exist: publish kdumpd with deploy/publish.sh (NativeAOT, it puts kdumpd-init beside kdumpd) or set Loader:Initrd");
        }

        var findings = new List<string>(target.Findings);
        IReadOnlyList<KernelModuleFile> modules = [];
        var index = host.FileExists($"/lib/modules/{kernelRelease}/modules.dep") ? KernelModuleIndex.Read(host, kernelRelease) : null;
        if (index is null)
        {
            // A kernel without loadable modules (or without depmod's index): its drivers must be built in.
            findings.Add($"/lib/modules/{kernelRelease}/modules.dep is missing: the capture initrd carries no modules, so {string.Join(", ", target.Modules)} must be built into {kernelRelease}");
        }
        else
        {
            modules = index.Closure(target.Modules, out var unknown);
            foreach (var name in unknown)
            {
                findings.Add($"module {name} (for {request.DumpDirectory}) is neither built into {kernelRelease} nor in its modules.dep");
            }
        }

        digests ??= FileDigests.InMemory();
        var entries = new Dictionary<string, Member>(StringComparer.Ordinal);
        foreach (var dir in new[] { "dev", "proc", "sys", "run", "tmp", "mnt", "mnt/target", "etc", "etc/kdumpd" })
        {
            Add(entries, CpioEntry.Directory(dir));
        }

        Add(entries, CpioEntry.CharDevice("dev/console", 5, 1));
        Add(entries, CpioEntry.CharDevice("dev/kmsg", 1, 11));
        Add(entries, CpioEntry.CharDevice("dev/null", 1, 3));

        // The .NET runtime reads /dev/urandom at its start, before /init mounts devtmpfs, and remembers
        // when it was missing: Guid.NewGuid (Serilog's first event) then threw and PID 1 died.
        Add(entries, CpioEntry.CharDevice("dev/random", 1, 8));
        Add(entries, CpioEntry.CharDevice("dev/urandom", 1, 9));
        AddHostFile(entries, "init", request.InitBinary, 0x1ED);
        var libraries = new SharedLibraryResolver(host);
        AddLibraries(entries, libraries.Closure(request.InitBinary, out var missingForKdumpd), findings, "kdumpd");
        foreach (var lib in missingForKdumpd)
        {
            findings.Add($"kdumpd needs {lib}, which is not in the host's library directories");
        }

        var makedumpfile = request.Capture.Collector == "builtin" ? null : _makedumpfilePaths.FirstOrDefault(host.FileExists);
        if (makedumpfile is not null)
        {
            AddHostFile(entries, "usr/sbin/makedumpfile", host.Resolve(makedumpfile), 0x1ED);
            AddLibraries(entries, libraries.Closure(host.Resolve(makedumpfile), out var missingForMakedumpfile), findings, "makedumpfile");
            foreach (var lib in missingForMakedumpfile)
            {
                findings.Add($"makedumpfile needs {lib}, which is not in the host's library directories: the capture uses the built-in writer");
            }
        }
        else if (request.Capture.Collector != "builtin")
        {
            findings.Add("makedumpfile is not installed: the capture initrd saves an unfiltered ELF vmcore with the built-in writer");
        }

        string? lvm = null;
        if (target.Stack == DumpTargetKind.Lvm)
        {
            var hostLvm = _lvmPaths.FirstOrDefault(host.FileExists)
                ?? throw new CaptureInitrdException($"{request.DumpDirectory} is on an LVM logical volume but the host has no lvm binary (install lvm2) to activate it in the capture initrd");
            lvm = "usr/sbin/lvm";
            AddHostFile(entries, lvm, host.Resolve(hostLvm), 0x1ED);
            AddLibraries(entries, libraries.Closure(host.Resolve(hostLvm), out var missingForLvm), findings, "lvm");
            foreach (var lib in missingForLvm)
            {
                findings.Add($"lvm needs {lib}, which is not in the host's library directories");
            }

            Add(entries, CpioEntry.Directory("run/lvm"));
            Add(entries, CpioEntry.Directory("run/lock"));
        }

        var modulePaths = new List<string>();
        foreach (var module in modules)
        {
            var inInitrd = $"{ModulesDirectory}/{kernelRelease}/{module.RelativePath}";
            var source = host.Resolve($"{index!.Directory}/{module.RelativePath}");
            if (!module.Compressed && !IsSigned(source))
            {
                findings.Add($"module {module.Name} is not signed: the capture kernel runs with lockdown=confidentiality (it keeps tracing's boot memory free) and refuses unsigned modules; set Loader:Append to lockdown=none if the kernel enforces module signatures");
            }

            AddHostFile(entries, inInitrd, source, 0x1A4);
            modulePaths.Add(inInitrd);
        }

        var spec = request.Capture with
        {
            KernelRelease = kernelRelease,
            TargetUuid = target.FilesystemUuid!,
            FilesystemType = target.FilesystemType,
            PathInFilesystem = target.PathInFilesystem,
            Stack = target.Stack,
            Lvm = lvm is null ? null : "/" + lvm,
            Modules = modulePaths,
            Collector = makedumpfile is null ? "builtin" : request.Capture.Collector,
            FailureAction = request.Capture.FailureAction == FailureAction.Shell ? FailureAction.Reboot : request.Capture.FailureAction,
        };
        if (request.Capture.FailureAction == FailureAction.Shell)
        {
            findings.Add("failure_action shell needs a shell in the capture initrd, which kdumpd's initrd does not carry: it reboots instead");
        }

        AddFile(entries, CaptureInitrdSpec.PathInInitrd, spec.ToUtf8Json(), 0x1A4);

        // The key is the digest of the archive's manifest: every member's path, kind, mode and content
        // digest. It names one archive's bytes as hashing the archive did, without reading a file whose
        // digest is remembered. In the installed guest under QEMU, assembling and hashing the 12 MB to find
        // the key took 2.2 s of the first pass at every boot; the whole step is 0.5-0.8 s now.
        var (key, unpacked) = KeyOf(entries.Values, digests);
        digests.Save();
        Directory.CreateDirectory(request.CacheDirectory);
        var path = Path.Join(request.CacheDirectory, $"kdumpd-{kernelRelease}-{key[..16]}{InitrdSuffix}");
        var reused = UnpackedSize(path) == unpacked;
        if (!reused)
        {
            using var archive = new MemoryStream();
            CpioNewcWriter.Write(archive, entries.Values.Select(m => m.Source is null ? m.Entry : m.Entry with { Content = File.ReadAllBytes(m.Source) }));
            if (archive.Length != unpacked)
            {
                // A member changed between its digest and its read (a package upgrade under the pass): the next pass builds anew.
                throw new CaptureInitrdException($"a file of the capture initrd changed while it was being built ({archive.Length} bytes instead of {unpacked}): the next reload builds it again");
            }

            var temporary = path + ".tmp";
            using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                // zlib level 6, not 9: 0.5 % larger (5.10 against 5.07 MB) for a 4.5 times shorter build, which
                // on a first boot sits between the daemon's start and the host being armed.
                using (var gzip = new GZipStream(file, CompressionLevel.Optimal, leaveOpen: true))
                {
                    gzip.Write(archive.GetBuffer().AsSpan(0, (int)archive.Length));
                }

                // On the disk before its name: a file cut short by a power loss would be taken for a built initrd.
                file.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
        }

        return new CaptureInitrd(path, key, new FileInfo(path).Length, unpacked, reused, modules.Select(m => m.Name).ToList(), entries.Keys.Order(StringComparer.Ordinal).ToList(), findings, spec);
    }

    /// <summary>
    /// The newest initrd already built for <paramref name="kernelRelease"/>, without building: what a read-only
    /// view (`kdumpd status`) reports. Its unpacked size is gzip's ISIZE trailer (the archive is one member,
    /// far below 4 GiB); null when none was built.
    /// </summary>
    public static CaptureInitrd? LastBuilt(CaptureInitrdSettings request, string kernelRelease)
    {
        ArgumentNullException.ThrowIfNull(request);
        var newest = !Directory.Exists(request.CacheDirectory)
            ? null
            : new DirectoryInfo(request.CacheDirectory).EnumerateFiles($"kdumpd-{kernelRelease}-*{InitrdSuffix}")
                .MaxBy(f => f.LastWriteTimeUtc);
        if (newest is null || newest.Length < GzipTrailerLength)
        {
            return null;
        }

        var key = newest.Name[$"kdumpd-{kernelRelease}-".Length..^InitrdSuffix.Length];
        var unpacked = UnpackedSize(newest.FullName) ?? 0;
        return new CaptureInitrd(newest.FullName, key, newest.Length, unpacked, true, [], [], [], request.Capture with { KernelRelease = kernelRelease });
    }

    /// <summary>Removes built initrds other than <paramref name="keep"/> (older kernels, older configurations).</summary>
    public static void Prune(string cacheDirectory, IReadOnlyCollection<string> keep)
    {
        if (!Directory.Exists(cacheDirectory))
        {
            return;
        }

        foreach (var file in Directory.EnumerateFiles(cacheDirectory, "kdumpd-*" + InitrdSuffix))
        {
            if (!keep.Contains(file))
            {
                File.Delete(file);
            }
        }
    }

    private void AddLibraries(Dictionary<string, Member> entries, IReadOnlyList<string> hostPaths, List<string> findings, string forWhat)
    {
        foreach (var hostPath in hostPaths)
        {
            var real = host.Resolve(hostPath);
            if (!File.Exists(real))
            {
                findings.Add($"{forWhat} needs {hostPath}, which does not exist");
                continue;
            }

            // A link (/lib64/ld-linux-x86-64.so.2, the interpreter, to the copy libc names) stays a link:
            // every byte of the archive is held twice by the capture kernel while it unpacks.
            var file = LinkedFile(hostPath) ?? hostPath;
            if (!entries.ContainsKey(file.TrimStart('/')))
            {
                AddHostFile(entries, file.TrimStart('/'), host.Resolve(file), 0x1ED);
            }

            if (file != hostPath)
            {
                AddDirectories(entries, hostPath.TrimStart('/'));
                entries.TryAdd(hostPath.TrimStart('/'), new Member(CpioEntry.Symlink(hostPath.TrimStart('/'), file), null));
            }
        }
    }

    /// <summary>The host path of the file that the symbolic link <paramref name="hostPath"/> ends at; null when it is no link or ends nowhere.</summary>
    private string? LinkedFile(string hostPath)
    {
        var current = hostPath;
        for (var hops = 0; hops < 8; hops++)
        {
            var target = new FileInfo(host.Resolve(current)).LinkTarget;
            if (target is null)
            {
                return current == hostPath || !host.FileExists(current) ? null : current;
            }

            current = Path.GetFullPath(target.StartsWith('/') ? target : $"{Path.GetDirectoryName(current)}/{target}");
        }

        return null;
    }

    /// <summary>
    /// The archive's key (SHA-256 of its manifest: format, then each member's kind, path, mode, device,
    /// length and content digest, in the archive's order) and its unpacked length.
    /// </summary>
    private static (string Key, long Unpacked) KeyOf(IEnumerable<Member> members, FileDigests digests)
    {
        var manifest = new StringBuilder(ManifestFormat).Append('\n');
        var lengths = new List<(string, long)>();
        foreach (var member in members.OrderBy(m => m.Entry.Path, StringComparer.Ordinal))
        {
            var entry = member.Entry;
            long length;
            string digest;
            if (member.Source is { } source)
            {
                using var stream = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.Read, 1);
                length = stream.Length;
                digest = digests.Sha256(source, stream);
            }
            else
            {
                length = entry.Content.Length;
                digest = Convert.ToHexStringLower(SHA256.HashData(entry.Content.Span));
            }

            manifest.Append(CultureInfo.InvariantCulture, $"{entry.Kind} {entry.Path} {entry.Permissions:x} {entry.DeviceMajor}:{entry.DeviceMinor} {length} {digest}\n");
            lengths.Add((entry.Path, length));
        }

        return (Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(manifest.ToString()))), CpioNewcWriter.LengthOf(lengths));
    }

    /// <summary>The unpacked size a built initrd's gzip trailer states (ISIZE: the archive is one member, far below 4 GiB); null when there is no such file.</summary>
    private static long? UnpackedSize(string path)
    {
        try
        {
            using var handle = File.OpenHandle(path);
            var length = RandomAccess.GetLength(handle);
            if (length < GzipTrailerLength)
            {
                return null;
            }

            Span<byte> trailer = stackalloc byte[GzipTrailerLength];
            return RandomAccess.Read(handle, trailer, length - GzipTrailerLength) == GzipTrailerLength
                ? BinaryPrimitives.ReadUInt32LittleEndian(trailer[4..])
                : null;
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }

    /// <summary>Whether the module file ends with the kernel's appended-signature marker (only its last page is read).</summary>
    private static bool IsSigned(string modulePath)
    {
        using var mapped = MappedFile.Open(modulePath);
        return KernelModuleSignature.IsSigned(mapped.Span);
    }

    private static void AddHostFile(Dictionary<string, Member> entries, string path, string source, uint permissions)
    {
        AddDirectories(entries, path);
        entries[path] = new Member(CpioEntry.File(path, ReadOnlyMemory<byte>.Empty, permissions), source);
    }

    private static void AddFile(Dictionary<string, Member> entries, string path, byte[] content, uint permissions)
    {
        AddDirectories(entries, path);
        entries[path] = new Member(CpioEntry.File(path, content, permissions), null);
    }

    private static void AddDirectories(Dictionary<string, Member> entries, string path)
    {
        for (var slash = path.IndexOf('/', StringComparison.Ordinal); slash > 0; slash = path.IndexOf('/', slash + 1))
        {
            entries.TryAdd(path[..slash], new Member(CpioEntry.Directory(path[..slash]), null));
        }
    }

    private static void Add(Dictionary<string, Member> entries, CpioEntry entry) => entries[entry.Path] = new Member(entry, null);

    /// <summary>One member of the archive: its header, and the host file its content comes from (read only when the archive is written), or none when the entry holds it.</summary>
    private sealed record Member(CpioEntry Entry, string? Source);
}
