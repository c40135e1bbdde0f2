using Kdumpd.Core.Loading;

namespace Kdumpd.Core.Tests.Loading;

public sealed class CaptureImageLocatorTests : IDisposable
{
    // A real 6.1 guest tree: its release comes from the captured uname -r.
    private readonly TempHost _host = new("qemu-6.1-1g-ck256");

    public void Dispose() => _host.Dispose();

    private const string Release = "6.1.0-56-amd64";

    [Fact]
    public void Debian_layout_uses_vmlinuz_and_initrd_img_of_the_running_release()
    {
        _host.Write("/etc/os-release", "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nID=debian\n")
            .Write($"/boot/vmlinuz-{Release}", "k")
            .Write($"/boot/initrd.img-{Release}", "i")
            .Write("/boot/vmlinuz-6.1.0-55-amd64", "old");

        var image = new CaptureImageLocator(_host.Host).Locate(new CaptureImageOptions());

        image.Release.Should().Be(Release);
        image.Distribution.Should().Be("debian");
        image.KernelHostPath.Should().Be($"/boot/vmlinuz-{Release}");
        image.KernelPath.Should().Be(Path.Join(_host.Root, "boot", $"vmlinuz-{Release}"));
        image.InitrdHostPath.Should().Be($"/boot/initrd.img-{Release}");
    }

    [Fact]
    public void Ubuntu_is_found_through_id_like()
    {
        _host.Write("/etc/os-release", "ID=ubuntu\nID_LIKE=debian\n").Write($"/boot/vmlinuz-{Release}", "k").Write($"/boot/initrd.img-{Release}", "i");

        new CaptureImageLocator(_host.Host).Locate(new CaptureImageOptions()).Distribution.Should().Be("debian");
    }

    [Fact]
    public void Fedora_layout_never_loads_kdump_utils_initramfs()
    {
        _host.Write("/proc/sys/kernel/osrelease", "6.11.4-301.fc41.x86_64\n")
            .Write("/etc/os-release", "NAME=\"Fedora Linux\"\nID=fedora\n")
            .Write("/boot/vmlinuz-6.11.4-301.fc41.x86_64", "k")
            .Write("/boot/initramfs-6.11.4-301.fc41.x86_64.img", "normal")
            .Write("/boot/initramfs-6.11.4-301.fc41.x86_64kdump.img", "kdump");

        var image = new CaptureImageLocator(_host.Host).Locate(new CaptureImageOptions());

        image.Release.Should().Be("6.11.4-301.fc41.x86_64", "procfs' osrelease wins over the fixture's uname-r");
        image.Distribution.Should().Be("fedora");
        image.InitrdHostPath.Should().Be("/boot/initramfs-6.11.4-301.fc41.x86_64.img", "initramfs-<release>kdump.img is kdump-utils' own capture initrd");
    }

    [Fact]
    public void Fedora_layout_falls_back_to_the_normal_initramfs()
    {
        _host.Write("/etc/os-release", "ID=\"rhel\"\nID_LIKE=\"fedora\"\n")
            .Write($"/boot/vmlinuz-{Release}", "k")
            .Write($"/boot/initramfs-{Release}.img", "normal");

        new CaptureImageLocator(_host.Host).Locate(new CaptureImageOptions()).InitrdHostPath.Should().Be($"/boot/initramfs-{Release}.img");
    }

    [Fact]
    public void A_missing_initrd_names_every_path_tried_and_the_fix()
    {
        _host.Write("/etc/os-release", "ID=fedora\n").Write($"/boot/vmlinuz-{Release}", "k");

        var act = () => new CaptureImageLocator(_host.Host).Locate(new CaptureImageOptions());

        act.Should().Throw<CaptureImageException>()
            .WithMessage($"*/boot/initramfs-{Release}.img*--initrd FILE*");
    }

    [Fact]
    public void A_missing_kernel_names_the_path_and_the_fix()
    {
        var act = () => new CaptureImageLocator(_host.Host).Locate(new CaptureImageOptions());

        act.Should().Throw<CaptureImageException>().WithMessage($"*/boot/vmlinuz-{Release} is missing*--kernel FILE*");
    }

    [Fact]
    public void Explicit_paths_win_over_the_layout_and_are_used_as_given()
    {
        _host.Write("/opt/capture/bzImage", "k").Write("/opt/capture/initrd", "i");
        var kernel = _host.Host.Resolve("/opt/capture/bzImage");
        var initrd = _host.Host.Resolve("/opt/capture/initrd");

        var image = new CaptureImageLocator(_host.Host).Locate(new CaptureImageOptions(kernel, initrd));

        image.KernelPath.Should().Be(kernel);
        image.InitrdPath.Should().Be(initrd);
        image.HowFound.Should().Be("configured");
    }

    [Fact]
    public void An_unknown_distribution_tries_every_known_layout()
    {
        _host.Write($"/boot/vmlinuz-{Release}", "k").Write($"/boot/initrd.img-{Release}", "i");

        var image = new CaptureImageLocator(_host.Host).Locate(new CaptureImageOptions());

        image.Distribution.Should().Be("unknown");
        image.InitrdHostPath.Should().Be($"/boot/initrd.img-{Release}");
    }

    [Fact]
    public void The_located_kernel_and_initrd_are_read_once_with_size_footprint_and_sha256()
    {
        _host.Write($"/boot/vmlinuz-{Release}", "kernel").Write($"/boot/initrd.img-{Release}", "initrd");

        var image = new CaptureImageLocator(_host.Host).Locate(new CaptureImageOptions());

        image.KernelIdentity.Should().Be(new Core.Planning.CaptureImageIdentity($"/boot/vmlinuz-{Release}", 6, 6, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("kernel"u8))));
        image.InitrdIdentity!.Name.Should().Be($"/boot/initrd.img-{Release}");
        image.InitrdIdentity.FileSize.Should().Be(6);
    }

    [Fact]
    public void A_read_only_view_with_no_capture_initrd_built_yet_says_so_and_builds_none()
    {
        _host.Write($"/boot/vmlinuz-{Release}", "k");
        var cache = Path.Join(_host.Root, "var/lib/kdumpd/initrd");
        var own = new Core.Initrd.CaptureInitrdSettings { DumpDirectory = "/var/crash", InitBinary = "/nonexistent/kdumpd-init", CacheDirectory = cache };

        var act = () => new CaptureImageLocator(_host.Host).Locate(new CaptureImageOptions(OwnInitrd: own, BuildOwnInitrd: false));

        act.Should().Throw<CaptureImageException>().WithMessage("*none is built yet*");
        Directory.Exists(cache).Should().BeFalse();
    }
}
