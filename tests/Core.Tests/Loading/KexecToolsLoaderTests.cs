using Kdumpd.Core.Host;
using Kdumpd.Core.Loading;
using Kdumpd.Core.Processes;

namespace Kdumpd.Core.Tests.Loading;

public sealed class KexecToolsLoaderTests : IDisposable
{
    private readonly TempHost _host = new("qemu-6.1-1g-ck256");

    public void Dispose() => _host.Dispose();

    private KexecToolsLoader Loader(FakeKexec kexec, KexecToolsMode mode = KexecToolsMode.KexecLoad, double timeoutSeconds = 30) =>
        new(new KexecSysfs(_host.Host), new ProcessRunner(), new KexecToolsOptions(kexec.Path, mode, TimeSpan.FromSeconds(timeoutSeconds)));

    [Fact]
    public async Task Kexec_load_mode_runs_kexec_c_p_with_the_command_line_as_given()
    {
        using var kexec = new FakeKexec(onSuccessWrite: _host.Host.Resolve(KexecSysfs.CrashLoadedPath));
        var (kernel, initrd) = _host.InstallDebianImages();

        var result = await Loader(kexec).LoadAsync(new LoadRequest(kernel, initrd, "console=ttyS0 \"x=a b\" kdumpd.capture=1"), TestContext.Current.CancellationToken);

        result.Succeeded.Should().BeTrue();
        result.Interface.Should().Be("kexec_load");
        kexec.Runs().Single().Should().Equal("-c", "-p", "--command-line=console=ttyS0 \"x=a b\" kdumpd.capture=1", $"--initrd={initrd}", kernel);
        kexec.Runs().Single().Should().NotContain(a => a.Contains("elfcorehdr", StringComparison.Ordinal), "kexec-tools adds elfcorehdr= itself on the kexec_load path");
        _host.Read(KexecSysfs.CrashLoadedPath).Should().Be("1");
    }

    [Fact]
    public async Task File_mode_uses_s_and_unload_uses_p_u()
    {
        using var kexec = new FakeKexec();
        var (kernel, _) = _host.InstallDebianImages();
        var loader = Loader(kexec, KexecToolsMode.KexecFileLoad);

        await loader.LoadAsync(new LoadRequest(kernel, null, "a"), TestContext.Current.CancellationToken);
        await loader.UnloadAsync(new UnloadRequest(), TestContext.Current.CancellationToken);

        kexec.Runs()[0].Should().Equal("-s", "-p", "--command-line=a", kernel);
        kexec.Runs()[1].Should().Equal("-s", "-p", "-u");
    }

    [Fact]
    public async Task A_failing_kexec_is_reported_with_its_exit_code_and_stderr_verbatim()
    {
        // The exact words kexec-tools 2.0.25 printed in the VM with crashkernel=16M.
        using var kexec = new FakeKexec(exitCode: 255, stderr: "kexec_file_load failed: Cannot assign requested address\n");
        var (kernel, initrd) = _host.InstallDebianImages();

        var result = await Loader(kexec).LoadAsync(new LoadRequest(kernel, initrd, "a"), TestContext.Current.CancellationToken);

        result.ExitCode.Should().Be(255);
        result.Output.Should().Be("kexec_file_load failed: Cannot assign requested address\n");
        result.Failure!.Kind.Should().Be(LoadFailureKind.ReservationTooSmall);
        result.Failure.Message.Should().Be($"{kexec.Path} exited 255: kexec_file_load failed: Cannot assign requested address");
        result.Failure.IsTransient.Should().BeFalse();
    }

    [Fact]
    public async Task A_busy_kexec_is_transient()
    {
        using var kexec = new FakeKexec(exitCode: 255, stderr: "kexec_load failed: Device or resource busy\n");
        var (kernel, initrd) = _host.InstallDebianImages();

        var result = await Loader(kexec).LoadAsync(new LoadRequest(kernel, initrd, "a"), TestContext.Current.CancellationToken);

        result.Failure!.IsTransient.Should().BeTrue();
    }

    [Fact]
    public async Task A_kexec_that_hangs_is_killed_at_the_timeout_and_counts_as_transient()
    {
        using var kexec = new FakeKexec(sleepSeconds: 30);
        var (kernel, initrd) = _host.InstallDebianImages();
        var started = DateTime.UtcNow;

        var result = await Loader(kexec, timeoutSeconds: 0.5).LoadAsync(new LoadRequest(kernel, initrd, "a"), TestContext.Current.CancellationToken);

        result.Failure!.Kind.Should().Be(LoadFailureKind.Transient);
        result.Failure.Message.Should().Contain("did not finish within 0.5 s and was killed");
        (DateTime.UtcNow - started).Should().BeLessThan(TimeSpan.FromSeconds(20), "the child is killed, not waited for");
    }

    [Fact]
    public async Task Without_kexec_installed_the_loader_is_unavailable_and_runs_nothing()
    {
        var (kernel, initrd) = _host.InstallDebianImages();
        var loader = new KexecToolsLoader(new KexecSysfs(_host.Host), new ProcessRunner(), new KexecToolsOptions("/nonexistent/kexec"));

        var result = await loader.LoadAsync(new LoadRequest(kernel, initrd, "a"), TestContext.Current.CancellationToken);

        result.Failure!.Kind.Should().Be(LoadFailureKind.LoaderUnavailable);
        result.KernelCalls.Should().Be(0);
    }
}
