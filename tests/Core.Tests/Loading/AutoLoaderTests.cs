using Kdumpd.Core.Host;
using Kdumpd.Core.Loading;
using Kdumpd.Core.Processes;

namespace Kdumpd.Core.Tests.Loading;

public sealed class AutoLoaderTests : IDisposable
{
    private readonly TempHost _host = new("qemu-6.1-1g-ck256");

    public void Dispose() => _host.Dispose();

    private (AutoLoader Loader, FakeKexecSyscalls Syscalls) Auto(string kexecPath, params int[] errnos)
    {
        var sysfs = new KexecSysfs(_host.Host);
        var syscalls = new FakeKexecSyscalls(_host, errnos);
        var tools = new KexecToolsLoader(sysfs, new ProcessRunner(), new KexecToolsOptions(kexecPath, KexecToolsMode.KexecLoad));
        return (new AutoLoader(new KexecFileLoader(sysfs, syscalls), tools), syscalls);
    }

    [Theory]
    [InlineData(LoadFailureKind.NoKexec, true, true)]
    [InlineData(LoadFailureKind.NotAKernelImage, true, true)]
    [InlineData(LoadFailureKind.NoKexec, false, false)]
    [InlineData(LoadFailureKind.SignatureRejected, true, false)]
    [InlineData(LoadFailureKind.NotPermitted, true, false)]
    [InlineData(LoadFailureKind.ReservationTooSmall, true, false)]
    [InlineData(LoadFailureKind.Transient, true, false)]
    public void Falls_back_only_when_file_load_is_unavailable_and_kexec_is_installed(LoadFailureKind kind, bool installed, bool fallsBack)
    {
        var first = LoaderResult.Failed("kexec-file", "kexec_file_load", new LoadFailure(kind, "x"), 1);

        (AutoLoader.FallbackReason(first, installed) is not null).Should().Be(fallsBack);
    }

    [Fact]
    public void A_successful_file_load_never_falls_back()
    {
        AutoLoader.FallbackReason(LoaderResult.Ok("kexec-file", "kexec_file_load"), kexecToolsInstalled: true).Should().BeNull();
    }

    [Fact]
    public async Task ENOSYS_with_kexec_installed_loads_with_kexec_tools_and_says_why()
    {
        using var kexec = new FakeKexec(onSuccessWrite: _host.Host.Resolve(KexecSysfs.CrashLoadedPath));
        var (kernel, initrd) = _host.InstallDebianImages();
        var (auto, _) = Auto(kexec.Path, Errno.ENOSYS);

        var result = await auto.LoadAsync(new LoadRequest(kernel, initrd, "a"), TestContext.Current.CancellationToken);

        result.Succeeded.Should().BeTrue();
        result.Loader.Should().Be("kexec-tools");
        result.Interface.Should().Be("kexec_load");
        result.NoteList[0].Should().Contain("kexec_file_load is unavailable").And.Contain("no kexec in this kernel").And.Contain("falling back to kexec-tools");
        kexec.Runs().Single()[..2].Should().Equal("-c", "-p");
    }

    [Fact]
    public async Task ENOSYS_without_kexec_tools_reports_no_kexec_and_no_fallback()
    {
        var (kernel, initrd) = _host.InstallDebianImages();
        var (auto, _) = Auto("/nonexistent/kexec", Errno.ENOSYS);

        var result = await auto.LoadAsync(new LoadRequest(kernel, initrd, "a"), TestContext.Current.CancellationToken);

        result.Failure!.Kind.Should().Be(LoadFailureKind.NoKexec);
        result.NoteList.Should().ContainSingle(n => n.Contains("kexec-tools is not installed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_rejected_signature_is_not_retried_with_kexec_load()
    {
        using var kexec = new FakeKexec();
        var (kernel, initrd) = _host.InstallDebianImages();
        var (auto, _) = Auto(kexec.Path, Errno.EKEYREJECTED);

        var result = await auto.LoadAsync(new LoadRequest(kernel, initrd, "a"), TestContext.Current.CancellationToken);

        result.Failure!.Kind.Should().Be(LoadFailureKind.SignatureRejected);
        kexec.Runs().Should().BeEmpty();
    }

    [Fact]
    public async Task When_the_fallback_fails_too_both_reasons_are_given()
    {
        using var kexec = new FakeKexec(exitCode: 1, stderr: "Memory for crashkernel is not reserved\n");
        var (kernel, initrd) = _host.InstallDebianImages();
        var (auto, _) = Auto(kexec.Path, Errno.ENOEXEC);

        var result = await auto.LoadAsync(new LoadRequest(kernel, initrd, "a"), TestContext.Current.CancellationToken);

        result.Failure!.Message.Should().Contain("ENOEXEC").And.Contain("fell back to kexec-tools").And.Contain("Memory for crashkernel is not reserved");
    }
}
