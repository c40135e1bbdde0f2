using Kdumpd.Core.Catalog;
using Kdumpd.Core.Host;
using Kdumpd.Core.Loading;
using Kdumpd.Core.Planning;
using Kdumpd.Core.Processes;

namespace Kdumpd.Core.Tests.Loading;

public sealed class ReadinessEvaluatorTests : IDisposable
{
    private readonly TempHost _host = new("qemu-6.1-1g-ck256");
    private readonly string _kernel;
    private readonly PanicKernelService _service;
    private readonly ReadinessEvaluator _evaluator;

    public ReadinessEvaluatorTests()
    {
        (_kernel, _) = _host.InstallDebianImages();
        var database = new KdumpdDatabase(_host.DatabasePath);
        database.Migrate();
        var store = new GenerationStore(database);
        var loaders = new PanicKernelLoaders(new KexecSysfs(_host.Host), new FakeKexecSyscalls(_host, 0), new ProcessRunner(), new KexecToolsOptions("/nonexistent/kexec"));
        _service = new PanicKernelService(_host.Host, loaders, store, new LoadingOptions { Loader = LoaderKind.KexecFile }, TimeProvider.System);
        _evaluator = new ReadinessEvaluator(_host.Host, store, TimeProvider.System);
    }

    public void Dispose()
    {
        _service.Dispose();
        _host.Dispose();
    }

    private ReadinessReport Evaluate(bool deep = true, PlanSummary? plan = null) => _evaluator.Evaluate(new KexecSysfs(_host.Host).Read(), plan, deep);

    private static ReadinessCheck Check(ReadinessReport report, string name) => report.Checks.Single(c => c.Name == name);

    [Fact]
    public async Task Armed_with_the_right_thing_is_ready()
    {
        await _service.ArmAsync(new ArmIntent(["boot"]), TestContext.Current.CancellationToken);

        var report = Evaluate();

        report.Problems.Should().BeEmpty();
        report.Ready.Should().BeTrue();
        report.ActiveGeneration!.Number.Should().Be(1);
        report.Checks.Select(c => c.Name).Should().Equal("loaded", "generation", "kernel-release", "files-unchanged", "reservation", "last-load", "no-competing-tool");
    }

    [Fact]
    public async Task An_enabled_kdump_tools_service_makes_two_tools_compete_and_the_host_not_ready()
    {
        await _service.ArmAsync(new ArmIntent(["boot"]), TestContext.Current.CancellationToken);
        _host.Write("/lib/systemd/system/kdump-tools.service", "[Unit]\n");
        Directory.CreateDirectory(Path.Join(_host.Root, "etc/systemd/system/multi-user.target.wants"));
        File.CreateSymbolicLink(Path.Join(_host.Root, "etc/systemd/system/multi-user.target.wants/kdump-tools.service"), "/lib/systemd/system/kdump-tools.service");

        var report = Evaluate();

        report.Ready.Should().BeFalse();
        Check(report, "no-competing-tool").Detail.Should().StartWith("two tools compete for the panic kernel: kdump-tools: kdump-tools.service is enabled");
    }

    [Fact]
    public async Task An_installed_but_disabled_kdump_service_and_a_kdump_img_do_not_compete()
    {
        await _service.ArmAsync(new ArmIntent(["boot"]), TestContext.Current.CancellationToken);
        _host.Write("/usr/lib/systemd/system/kdump.service", "[Unit]\n").Write("/boot/initramfs-6.1.0-56-amd64kdump.img", "x");

        var report = Evaluate();

        Check(report, "no-competing-tool").Ok.Should().BeTrue();
        Check(report, "no-competing-tool").Detail.Should().Contain("kdump.service (installed, not enabled)").And.Contain("kdumpd does not load it");
    }

    [Fact]
    public void Nothing_loaded_is_not_ready()
    {
        var report = Evaluate();

        report.Ready.Should().BeFalse();
        Check(report, "loaded").Detail.Should().Contain("kexec_crash_loaded is 0");
    }

    [Fact]
    public async Task A_kernel_update_without_re_arm_is_not_ready()
    {
        await _service.ArmAsync(new ArmIntent(["boot"]), TestContext.Current.CancellationToken);
        // The package manager rewrites the image in place.
        await File.AppendAllTextAsync(_kernel, "new build", TestContext.Current.CancellationToken);

        var report = Evaluate(deep: false);

        report.Ready.Should().BeFalse();
        Check(report, "loaded").Ok.Should().BeTrue("the kernel still says 1: that alone is not ready");
        Check(report, "files-unchanged").Detail.Should().Contain("vmlinuz-6.1.0-56-amd64 changed size").And.Contain("re-arm");
    }

    [Fact]
    public async Task Same_size_and_mtime_but_new_contents_is_caught_by_the_deep_check()
    {
        await _service.ArmAsync(new ArmIntent(["boot"]), TestContext.Current.CancellationToken);
        var mtime = File.GetLastWriteTimeUtc(_kernel);
        var bytes = await File.ReadAllBytesAsync(_kernel, TestContext.Current.CancellationToken);
        bytes[^1] ^= 0xff;
        await File.WriteAllBytesAsync(_kernel, bytes, TestContext.Current.CancellationToken);
        File.SetLastWriteTimeUtc(_kernel, mtime);

        Evaluate(deep: false).Ready.Should().BeTrue();
        Check(Evaluate(deep: true), "files-unchanged").Detail.Should().Contain("different contents (SHA-256");
    }

    [Fact]
    public async Task Booting_another_release_without_re_arm_is_not_ready()
    {
        await _service.ArmAsync(new ArmIntent(["boot"]), TestContext.Current.CancellationToken);
        _host.Write("/proc/sys/kernel/osrelease", "6.1.0-57-amd64\n");

        var report = Evaluate();

        Check(report, "kernel-release").Detail.Should().Be("generation 1 was loaded for 6.1.0-56-amd64, the running kernel is 6.1.0-57-amd64: re-arm (kdumpd load)");
        report.Ready.Should().BeFalse();
    }

    [Fact]
    public async Task A_reservation_below_the_plan_budget_is_not_ready()
    {
        await _service.ArmAsync(new ArmIntent(["boot"]), TestContext.Current.CancellationToken);
        var plan = new PlanSummary("f", new ReservationBudget(256UL << 20, 100UL << 20, 100UL << 20, 4096, 0, 100UL << 20), ["needs more"]);

        var report = Evaluate(plan: plan);

        Check(report, "reservation").Detail.Should().Be("crashkernel reserves 256 MiB, 300 MiB needed (kernel 100 MiB + initrd 100 MiB + header 4 KiB + backup 0 B + working memory 100 MiB): raise crashkernel= to 384M and reboot; needs more");
        report.Ready.Should().BeFalse();
    }

    [Fact]
    public async Task A_failed_last_load_is_not_ready_even_if_the_old_image_is_still_loaded()
    {
        await _service.ArmAsync(new ArmIntent(["boot"]), TestContext.Current.CancellationToken);
        File.Delete(_host.Host.Resolve("/boot/initrd.img-6.1.0-56-amd64"));
        await _service.ArmAsync(new ArmIntent(["initrd rebuilt"]), TestContext.Current.CancellationToken);

        var report = Evaluate();

        report.ActiveGeneration!.Number.Should().Be(1, "the refused attempt did not touch the kernel");
        Check(report, "last-load").Detail.Should().StartWith("generation 2 refused");
        report.Ready.Should().BeFalse();
    }

    [Fact]
    public void Loaded_by_someone_else_is_not_ready()
    {
        _host.Write(KexecSysfs.CrashLoadedPath, "1\n");

        var report = Evaluate();

        Check(report, "generation").Detail.Should().Contain("not by kdumpd");
        report.Ready.Should().BeFalse();
    }

    [Fact]
    public async Task A_generation_from_before_this_boot_is_not_the_loaded_panic_kernel()
    {
        await _service.ArmAsync(new ArmIntent(["boot"]), TestContext.Current.CancellationToken);
        var booted = DateTimeOffset.UtcNow.AddMinutes(5).ToUnixTimeSeconds();
        _host.Write("/proc/stat", $"cpu  1 2 3 4\nintr 0\nbtime {booted}\nprocesses 100\n");

        var report = Evaluate();

        report.ActiveGeneration.Should().BeNull();
        Check(report, "generation").Detail.Should().Be("generation 1 was loaded before this boot; the panic kernel loaded now is not kdumpd's");
        report.Ready.Should().BeFalse();
    }

    [Fact]
    public async Task The_json_shape_names_the_problems()
    {
        await _service.ArmAsync(new ArmIntent(["boot"]), TestContext.Current.CancellationToken);
        _host.Write("/proc/sys/kernel/osrelease", "6.1.0-57-amd64\n");

        using var json = System.Text.Json.JsonDocument.Parse(ReadinessJson.Serialize(Evaluate()));

        json.RootElement.GetProperty("ready").GetBoolean().Should().BeFalse();
        json.RootElement.GetProperty("problems").EnumerateArray().Select(p => p.GetString()).Should().ContainSingle().Which.Should().StartWith("kernel-release: ");
        json.RootElement.GetProperty("active_generation").GetProperty("command_line").GetString().Should().EndWith("kdumpd.generation=1");
    }
}
