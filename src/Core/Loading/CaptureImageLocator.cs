using Kdumpd.Core.Host;
using Kdumpd.Core.Initrd;
using Kdumpd.Core.Planning;
using Kdumpd.Core.Units;

namespace Kdumpd.Core.Loading;

/// <summary>
/// The capture kernel and initrd to load, located, hashed and header-parsed once: the plan and the loader
/// share this one reading. <see cref="KernelPath"/>/<see cref="InitrdPath"/> are real paths (resolved
/// under the host root); the host paths are what the operator sees (/boot/...).
/// </summary>
public sealed record CaptureImage(
    string Release,
    string Distribution,
    string KernelHostPath,
    string KernelPath,
    string? InitrdHostPath,
    string? InitrdPath,
    string HowFound)
{
    /// <summary>kdumpd's own capture initrd when that is what will be loaded (its unpacked size counts in the budget).</summary>
    public CaptureInitrd? OwnInitrd { get; init; }

    /// <summary>The kernel's size, footprint once loaded and SHA-256.</summary>
    public CaptureImageIdentity? KernelIdentity { get; init; }

    /// <summary>The initrd's; for kdumpd's own, its footprint is the compressed file plus the unpacked tree.</summary>
    public CaptureImageIdentity? InitrdIdentity { get; init; }
}

/// <summary>
/// Explicit choices that override discovery. Paths here are used as given (not under the host root).
/// <paramref name="OwnInitrd"/>: build kdumpd's own capture initrd (unless an initrd is configured);
/// <paramref name="BuildOwnInitrd"/> false takes the last one built instead (a read-only view such as `kdumpd status`).
/// <paramref name="Digests"/>: the SHA-256 of files already hashed (null: every file is hashed on every read).
/// </summary>
public sealed record CaptureImageOptions(string? KernelPath = null, string? InitrdPath = null, bool NoInitrd = false, CaptureInitrdSettings? OwnInitrd = null, bool BuildOwnInitrd = true, FileDigests? Digests = null);

/// <summary>No usable capture kernel or initrd: says what was looked for, where, and the fix.</summary>
public sealed class CaptureImageException(string message) : Exception(message);

/// <summary>
/// Finds the capture kernel and initrd: kdumpd's own capture initrd when configured (the default in the
/// daemon), else the distribution's layout of /boot: Debian/Ubuntu vmlinuz-R + initrd.img-R; Fedora/RHEL
/// vmlinuz-R + initramfs-R.img (never kdump-utils' initramfs-Rkdump.img). R is the running kernel's release.
/// </summary>
public sealed class CaptureImageLocator(HostRoot host)
{
    public const string OsReleasePath = "/etc/os-release";

    /// <summary>Finds the kernel and initrd and reads each once (size, header, SHA-256).</summary>
    public CaptureImage Locate(CaptureImageOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var image = Find(options);
        try
        {
            var initrd = image.InitrdPath is null ? null : CaptureImageIdentity.ReadFile(image.InitrdHostPath!, image.InitrdPath, options.Digests);
            if (image.OwnInitrd is { } own && initrd is not null)
            {
                // While the capture kernel unpacks its initramfs it holds the compressed file and the unpacked tree.
                initrd = initrd with { MemorySize = (ulong)(own.CompressedBytes + own.UnpackedBytes) };
            }

            var kernel = CaptureImageIdentity.ReadFile(image.KernelHostPath, image.KernelPath, options.Digests);
            options.Digests?.Save();
            return image with { KernelIdentity = kernel, InitrdIdentity = initrd };
        }
        catch (Exception e) when (e is HostFileException or IOException)
        {
            throw new CaptureImageException($"cannot read the capture kernel or initrd: {e.Message}");
        }
    }

    /// <summary>Finds the kernel and initrd paths only: reads and hashes nothing (and builds kdumpd's initrd only when asked).</summary>
    public CaptureImage Find(CaptureImageOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var release = HostKernel.Release(host);
        var distribution = Distribution();
        var tried = new List<string>();

        string kernelHost, kernel;
        if (options.KernelPath is not null)
        {
            kernelHost = kernel = Path.GetFullPath(options.KernelPath);
            if (!File.Exists(kernel))
            {
                throw new CaptureImageException($"capture kernel {kernel} does not exist");
            }
        }
        else
        {
            kernelHost = $"/boot/vmlinuz-{release}";
            kernel = host.Resolve(kernelHost);
            if (!File.Exists(kernel))
            {
                throw new CaptureImageException($"no capture kernel for {release}: {kernelHost} is missing under host root {host.Root}; install the kernel image or pass --kernel FILE");
            }
        }

        if (options.NoInitrd)
        {
            return new CaptureImage(release, distribution, kernelHost, kernel, null, null, "configured without an initrd");
        }

        if (options.InitrdPath is not null)
        {
            var initrd = Path.GetFullPath(options.InitrdPath);
            return File.Exists(initrd)
                ? new CaptureImage(release, distribution, kernelHost, kernel, initrd, initrd, "configured")
                : throw new CaptureImageException($"capture initrd {initrd} does not exist");
        }

        if (options.OwnInitrd is { } own)
        {
            try
            {
                var built = options.BuildOwnInitrd
                    ? new CaptureInitrdBuilder(host).Build(own, release, options.Digests)
                    : CaptureInitrdBuilder.LastBuilt(own, release) ?? throw new CaptureInitrdException($"none is built yet in {own.CacheDirectory} (the daemon builds it at its first reload)");
                var how = $"kdumpd capture initrd {built.Key[..12]} ({ByteSize.Format(built.CompressedBytes)}, {ByteSize.Format(built.UnpackedBytes)} unpacked, {(built.Reused ? "reused" : "built")})";
                return new CaptureImage(release, distribution, kernelHost, kernel, built.Path, built.Path, how) { OwnInitrd = built };
            }
            catch (Exception e) when (e is CaptureInitrdException or HostFileException or IOException or UnauthorizedAccessException or Elf.InvalidFormatException)
            {
                throw new CaptureImageException($"cannot build kdumpd's capture initrd for {release}: {e.Message}");
            }
        }

        foreach (var candidate in InitrdCandidates(distribution, release))
        {
            tried.Add(candidate);
            if (host.FileExists(candidate))
            {
                return new CaptureImage(release, distribution, kernelHost, kernel, candidate, host.Resolve(candidate), $"{distribution} layout");
            }
        }

        throw new CaptureImageException($"no capture initrd for {release} ({distribution} layout): none of {string.Join(", ", tried)} exists under host root {host.Root}; build one or pass --initrd FILE");
    }

    /// <summary>"debian", "fedora", or "unknown" from /etc/os-release ID and ID_LIKE.</summary>
    public string Distribution()
    {
        var text = host.TryReadText(OsReleasePath);
        if (text is null)
        {
            return "unknown";
        }

        var ids = new List<string>();
        foreach (var line in text.Split('\n'))
        {
            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals < 0)
            {
                continue;
            }

            var key = line[..equals].Trim();
            if (key is "ID" or "ID_LIKE")
            {
                ids.AddRange(line[(equals + 1)..].Trim().Trim('"', '\'').Split(' ', StringSplitOptions.RemoveEmptyEntries));
            }
        }

        foreach (var id in ids)
        {
            switch (id.ToUpperInvariant())
            {
                case "DEBIAN" or "UBUNTU":
                    return "debian";
                case "FEDORA" or "RHEL" or "CENTOS" or "ROCKY" or "ALMALINUX":
                    return "fedora";
            }
        }

        return "unknown";
    }

    public static IReadOnlyList<string> InitrdCandidates(string distribution, string release) => distribution switch
    {
        "debian" => [$"/boot/initrd.img-{release}"],
        // Never kdump-utils' initramfs-<release>kdump.img: it is another tool's capture initrd (its hooks, its config).
        "fedora" => [$"/boot/initramfs-{release}.img"],
        _ => [$"/boot/initrd.img-{release}", $"/boot/initramfs-{release}.img"],
    };
}
