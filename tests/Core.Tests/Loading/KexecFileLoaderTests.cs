using System.Text;
using Kdumpd.Core.Host;
using Kdumpd.Core.Loading;

namespace Kdumpd.Core.Tests.Loading;

public sealed class KexecFileLoaderTests : IDisposable
{
    private readonly TempHost _host = new("qemu-6.1-1g-ck256");

    public void Dispose() => _host.Dispose();

    private async Task<(LoaderResult Result, FakeKexecSyscalls Fake)> Load(int errno, bool withInitrd = true, string commandLine = "console=ttyS0 kdumpd.capture=1")
    {
        var (kernel, initrd) = _host.InstallDebianImages(initrdBytes: 30 * 1024 * 1024);
        var fake = new FakeKexecSyscalls(_host, errno);
        var loader = new KexecFileLoader(new KexecSysfs(_host.Host), fake);
        var result = await loader.LoadAsync(new LoadRequest(kernel, withInitrd ? initrd : null, commandLine), TestContext.Current.CancellationToken);
        return (result, fake);
    }

    [Fact]
    public async Task Load_passes_open_fds_the_on_crash_flag_and_a_NUL_terminated_command_line()
    {
        var (result, fake) = await Load(0);

        result.Succeeded.Should().BeTrue();
        result.Interface.Should().Be("kexec_file_load");
        var call = fake.Calls.Single();
        call.KernelFd.Should().BeGreaterThan(2);
        call.InitrdFd.Should().BeGreaterThan(2).And.NotBe(call.KernelFd);
        call.Flags.Should().Be(KexecFileLoadOptions.OnCrash);
        call.CommandLine.Should().Equal(Encoding.UTF8.GetBytes("console=ttyS0 kdumpd.capture=1\0"));
        _host.Read(KexecSysfs.CrashLoadedPath).Should().Be("1");
    }

    [Fact]
    public async Task Without_an_initrd_the_load_says_no_initramfs_and_passes_no_fd()
    {
        var (_, fake) = await Load(0, withInitrd: false);

        fake.Calls.Single().InitrdFd.Should().Be(-1);
        fake.Calls.Single().Flags.Should().Be(KexecFileLoadOptions.OnCrash | KexecFileLoadOptions.NoInitramfs);
    }

    [Theory]
    [InlineData(Errno.ENOMEM)]
    [InlineData(Errno.EADDRNOTAVAIL)]
    public async Task A_reservation_too_small_names_the_sizes(int errno)
    {
        _host.Write(KexecSysfs.CrashSizePath, "16777216\n");

        var (result, _) = await Load(errno);

        result.Failure!.Kind.Should().Be(LoadFailureKind.ReservationTooSmall);
        result.Failure.Message.Should().Contain("crashkernel reserves 16 MiB")
            .And.Contain("kernel vmlinuz-6.1.0-56-amd64 17.5 KiB")
            .And.Contain("initrd initrd.img-6.1.0-56-amd64 30 MiB")
            .And.Contain(KexecErrors.Name(errno))
            .And.Contain("raise crashkernel=");
    }

    [Fact]
    public async Task No_reservation_at_all_says_to_boot_with_crashkernel()
    {
        _host.Write(KexecSysfs.CrashSizePath, "0\n");

        var (result, _) = await Load(Errno.EADDRNOTAVAIL);

        result.Failure!.Message.Should().Contain("no crash memory is reserved").And.Contain("crashkernel=");
    }

    [Theory]
    [InlineData(Errno.EKEYREJECTED)]
    [InlineData(Errno.EBADMSG)]
    public async Task A_rejected_signature_is_reported_as_such(int errno)
    {
        var (result, _) = await Load(errno);

        result.Failure!.Kind.Should().Be(LoadFailureKind.SignatureRejected);
        result.Failure.Message.Should().Contain("signature").And.Contain("vmlinuz-6.1.0-56-amd64");
        result.Failure.FileLoadUnavailable.Should().BeFalse();
    }

    [Fact]
    public async Task ENOEXEC_means_not_a_kernel_image_and_allows_the_fallback()
    {
        var (result, _) = await Load(Errno.ENOEXEC);

        result.Failure!.Kind.Should().Be(LoadFailureKind.NotAKernelImage);
        result.Failure.Message.Should().Contain("is not a kernel image");
        result.Failure.FileLoadUnavailable.Should().BeTrue();
    }

    [Fact]
    public async Task ENOSYS_means_no_kexec_in_this_kernel()
    {
        var (result, _) = await Load(Errno.ENOSYS);

        result.Failure!.Kind.Should().Be(LoadFailureKind.NoKexec);
        result.Failure.Message.Should().Contain("no kexec in this kernel");
    }

    [Theory]
    [InlineData(Errno.EBUSY)]
    [InlineData(Errno.EAGAIN)]
    public async Task Busy_is_transient(int errno)
    {
        var (result, _) = await Load(errno);

        result.Failure!.IsTransient.Should().BeTrue();
    }

    [Fact]
    public async Task EPERM_names_the_exhausted_load_limit_when_that_is_the_reason()
    {
        _host.Write(KexecSysfs.LoadLimitPanicPath, "0\n");
        var (kernel, initrd) = _host.InstallDebianImages();
        var fake = new FakeKexecSyscalls(_host, 0);
        var loader = new KexecFileLoader(new KexecSysfs(_host.Host), fake);

        var result = await loader.LoadAsync(new LoadRequest(kernel, initrd, "x", OperatorRequested: true), TestContext.Current.CancellationToken);

        result.Failure!.Kind.Should().Be(LoadFailureKind.NotPermitted);
        result.Failure.Message.Should().Contain("kexec_load_limit_panic is 0");
        fake.Calls.Should().BeEmpty("kdumpd does not call the kernel when it already knows the answer is EPERM");
    }

    [Fact]
    public void EPERM_with_budget_left_explains_root_lockdown_or_limit()
    {
        var failure = KexecErrors.Describe(Errno.EPERM, new KexecCallContext("load", LoadLimitBefore: -1));

        failure.Kind.Should().Be(LoadFailureKind.NotPermitted);
        failure.Message.Should().MatchRegex("not running as root|lockdown");
    }

    [Fact]
    public void EINVAL_with_an_overlong_command_line_says_so()
    {
        var failure = KexecErrors.Describe(Errno.EINVAL, new KexecCallContext("load", CommandLineBytes: 4000));

        failure.Kind.Should().Be(LoadFailureKind.InvalidArgument);
        failure.Message.Should().Contain("4000 bytes").And.Contain("2048");
    }

    [Fact]
    public async Task Unload_passes_the_unload_and_on_crash_flags_without_files()
    {
        _host.Write(KexecSysfs.CrashLoadedPath, "1\n");
        var fake = new FakeKexecSyscalls(_host, 0);
        var loader = new KexecFileLoader(new KexecSysfs(_host.Host), fake);

        var result = await loader.UnloadAsync(new UnloadRequest(OperatorRequested: true), TestContext.Current.CancellationToken);

        result.Succeeded.Should().BeTrue();
        fake.Calls.Single().Should().Match<(int KernelFd, int InitrdFd, byte[] CommandLine, KexecFileLoadOptions Flags)>(
            c => c.KernelFd == -1 && c.InitrdFd == -1 && c.CommandLine.Length == 0 && c.Flags == (KexecFileLoadOptions.Unload | KexecFileLoadOptions.OnCrash));
        _host.Read(KexecSysfs.CrashLoadedPath).Should().Be("0");
    }

    [Fact]
    public async Task The_real_syscall_in_this_sandbox_reports_no_kexec_in_this_kernel()
    {
        // Only where the running kernel has no kexec: elsewhere this would really replace the panic kernel.
        if (File.Exists(KexecSysfs.CrashLoadedPath) || Directory.Exists("/sys/kernel/kexec"))
        {
            Assert.Skip("this kernel has kexec: a real load here would replace the host's panic kernel");
        }

        var (kernel, initrd) = _host.InstallDebianImages();
        var loader = new KexecFileLoader(new KexecSysfs(_host.Host), new KexecSyscalls());

        var result = await loader.LoadAsync(new LoadRequest(kernel, initrd, "console=ttyS0 kdumpd.capture=1"), TestContext.Current.CancellationToken);

        result.Failure!.Errno.Should().Be(Errno.ENOSYS);
        result.Failure.Kind.Should().Be(LoadFailureKind.NoKexec);
        result.Failure.Message.Should().Contain("no kexec in this kernel");
    }
}
