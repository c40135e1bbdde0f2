using Kdumpd.Core.Catalog;
using Kdumpd.Core.Host;
using Kdumpd.Core.Loading;
using Kdumpd.Core.Planning;
using Kdumpd.Core.Processes;
using Kdumpd.Core.Reload;

namespace Kdumpd.Core.Tests.Loading;

public sealed class PanicKernelServiceTests : IDisposable
{
    private readonly TempHost _host = new("qemu-6.1-1g-ck256");
    private readonly LoadingOptions _options = new()
    {
        Loader = LoaderKind.KexecFile,
        Retry = new LoadRetryOptions { BaseDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(5) },
    };

    public PanicKernelServiceTests() => _host.InstallDebianImages();

    public void Dispose() => _host.Dispose();

    private (PanicKernelService Service, FakeKexecSyscalls Syscalls, GenerationStore Store) Service(params int[] errnos)
    {
        var database = new KdumpdDatabase(_host.DatabasePath);
        database.Migrate();
        var store = new GenerationStore(database);
        var syscalls = new FakeKexecSyscalls(_host, errnos);
        var loaders = new PanicKernelLoaders(new KexecSysfs(_host.Host), syscalls, new ProcessRunner(), new KexecToolsOptions("/nonexistent/kexec"));
        return (new PanicKernelService(_host.Host, loaders, store, _options, TimeProvider.System), syscalls, store);
    }

    private static ArmIntent Automatic => new(["memory hotplug: memory32 online"]);

    private static ArmIntent Operator => new(["cli: kdumpd load"], OperatorRequested: true);

    [Fact]
    public async Task A_load_is_recorded_as_a_generation_with_files_command_line_and_outcome()
    {
        var (service, syscalls, store) = Service(0);
        using var _ = service;

        var result = await service.ArmAsync(Automatic, TestContext.Current.CancellationToken);

        result.Succeeded.Should().BeTrue();
        var g = store.Get(result.Generation.Number)!;
        g.Number.Should().Be(1);
        g.Outcome.Should().Be(GenerationOutcome.Loaded);
        g.Loader.Should().Be("kexec-file");
        g.Interface.Should().Be("kexec_file_load");
        g.KernelRelease.Should().Be("6.1.0-56-amd64");
        g.Kernel!.Path.Should().EndWith("/boot/vmlinuz-6.1.0-56-amd64");
        g.Kernel.Sha256.Should().HaveLength(64);
        g.Initrd!.Size.Should().Be(1_500_000);
        g.CommandLine.Should().Be("console=ttyS0 irqpoll nr_cpus=1 reset_devices acpi_no_memhotplug panic=10 lockdown=confidentiality kdumpd.capture=1 kdumpd.generation=1");
        g.Triggers.Should().Equal("memory hotplug: memory32 online");
        g.ArmedBefore.Should().BeFalse();
        g.ArmedAfter.Should().BeTrue();
        g.Attempts.Should().Be(1);
        g.UnarmedMs.Should().NotBeNull().And.BeGreaterThanOrEqualTo(0);
        g.ReservationBytes.Should().Be(268435456);
        System.Text.Encoding.UTF8.GetString(syscalls.Calls.Single().CommandLine).Should().Be(g.CommandLine + "\0");
    }

    [Fact]
    public async Task A_reload_is_one_load_call_never_unload_then_load()
    {
        var (service, syscalls, store) = Service(0);
        using var _ = service;
        await service.ArmAsync(Automatic, TestContext.Current.CancellationToken);

        var second = await service.ArmAsync(Automatic, TestContext.Current.CancellationToken);

        syscalls.Calls.Should().HaveCount(2).And.OnlyContain(c => c.Flags == KexecFileLoadOptions.OnCrash);
        second.Generation.ArmedBefore.Should().BeTrue();
        second.Generation.ArmedAfter.Should().BeTrue();
        store.List().Select(g => g.Number).Should().Equal(2, 1);
    }

    [Fact]
    public async Task A_reservation_too_small_is_refused_with_numbers_before_the_kernel_is_called()
    {
        _host.Write(KexecSysfs.CrashSizePath, $"{16 * 1024 * 1024}\n");
        var (service, syscalls, store) = Service(0);
        using var _ = service;

        var result = await service.ArmAsync(Operator, TestContext.Current.CancellationToken);

        syscalls.Calls.Should().BeEmpty();
        result.Generation.Outcome.Should().Be(GenerationOutcome.Refused);
        result.Generation.Error.Should().Be(
            "refusing to load: crashkernel reserves 16 MiB, 80 MiB needed (kernel 63.6 MiB + initrd 1.4 MiB + header 1 MiB + backup 0 B + working memory 14 MiB): raise crashkernel= to 128M and reboot");
        store.Latest()!.Outcome.Should().Be(GenerationOutcome.Refused);
    }

    [Fact]
    public async Task The_plan_summary_budget_refuses_with_its_findings()
    {
        var (service, syscalls, _) = Service(0);
        using var __ = service;
        var plan = new PlanSummary("ab12cd34ef56" + new string('0', 52), new ReservationBudget(256UL << 20, 100UL << 20, 100UL << 20, 4096, 0, 100UL << 20), ["4 memory ranges hot-added since boot need 2 MiB more header"], "{\"plan\":1}", new byte[] { 0x7f, (byte)'E', (byte)'L', (byte)'F' });

        var result = await service.ArmAsync(Automatic with { Plan = plan }, TestContext.Current.CancellationToken);

        syscalls.Calls.Should().BeEmpty();
        result.Generation.Outcome.Should().Be(GenerationOutcome.Refused);
        result.Generation.Error.Should().Contain("crashkernel reserves 256 MiB, 300 MiB needed (kernel 100 MiB + initrd 100 MiB + header 4 KiB + backup 0 B + working memory 100 MiB)")
            .And.Contain("raise crashkernel= to 384M")
            .And.Contain("4 memory ranges hot-added");
        result.Generation.PlanFingerprint.Should().Be(plan.Fingerprint);
        result.Generation.PlanJson.Should().Be("{\"plan\":1}");
        result.Generation.ElfCoreHeader.Should().Equal(0x7f, (byte)'E', (byte)'L', (byte)'F');
    }

    [Fact]
    public async Task The_last_load_limit_unit_is_kept_for_an_operator()
    {
        _host.Write(KexecSysfs.LoadLimitPanicPath, "1\n");
        var (service, syscalls, _) = Service(0);
        using var _ = service;

        var automatic = await service.ArmAsync(Automatic, TestContext.Current.CancellationToken);

        automatic.Generation.Outcome.Should().Be(GenerationOutcome.Refused);
        automatic.Generation.Error.Should().Contain("kexec_load_limit_panic has 1 unit(s) left");
        syscalls.Calls.Should().BeEmpty();

        var byOperator = await service.ArmAsync(Operator, TestContext.Current.CancellationToken);

        byOperator.Generation.Outcome.Should().Be(GenerationOutcome.Loaded);
        byOperator.Generation.LoadBudgetLeft.Should().Be(0);
        _host.Read(KexecSysfs.LoadLimitPanicPath).Should().Be("0");
    }

    [Fact]
    public async Task With_one_load_unit_left_a_new_kernel_is_loaded_and_hotplug_churn_is_refused()
    {
        _host.Write(KexecSysfs.LoadLimitPanicPath, "1\n");
        var (service, syscalls, _) = Service(0);
        using var _ = service;
        // The purposes the reload coordinator gives these bursts: the loader applies the same rule to them.
        var hotplug = ReloadCoordinator.PurposeOf(Burst(ReloadTriggerKind.MemoryHotplug), spendLastLoad: false);
        var newKernel = ReloadCoordinator.PurposeOf(Burst(ReloadTriggerKind.KernelFileChanged), spendLastLoad: false);

        var churn = await service.ArmAsync(Automatic with { Purpose = hotplug }, TestContext.Current.CancellationToken);

        churn.Generation.Outcome.Should().Be(GenerationOutcome.Refused);
        churn.Generation.Error.Should().Contain("kexec_load_limit_panic has 1 unit(s) left, kept for a new capture kernel");
        syscalls.Calls.Should().BeEmpty();

        var loaded = await service.ArmAsync(new ArmIntent(["kernel-file: /boot/vmlinuz-6.1.0-56-amd64"], Purpose: newKernel), TestContext.Current.CancellationToken);

        loaded.Generation.Outcome.Should().Be(GenerationOutcome.Loaded);
        loaded.Generation.LoadBudgetLeft.Should().Be(0);
        syscalls.Calls.Should().HaveCount(1);
    }

    [Fact]
    public async Task When_auto_falls_back_to_kexec_tools_the_generation_records_the_plan_in_kexec_tools_layout()
    {
        using var kexec = new FakeKexec(onSuccessWrite: _host.Host.Resolve(KexecSysfs.CrashLoadedPath));
        var options = _options with { Loader = LoaderKind.Auto, KexecTools = new KexecToolsOptions(kexec.Path, KexecToolsMode.KexecLoad) };
        var database = new KdumpdDatabase(_host.DatabasePath);
        database.Migrate();
        var store = new GenerationStore(database);
        var loaders = new PanicKernelLoaders(new KexecSysfs(_host.Host), new FakeKexecSyscalls(_host, Errno.ENOSYS), new ProcessRunner(), options.KexecTools);
        using var service = new PanicKernelService(_host.Host, loaders, store, options, TimeProvider.System);
        var planning = new HostPlanning(_host.Host, options, HostPlanning.LayoutFor(LoaderKind.Auto, lastLoadedBy: null));
        var planned = planning.PlanNow();
        var asToolsLoad = planning.InLayout(planned, PlanLayout.KexecTools);
        planned.Plan.Layout.Should().Be(PlanLayout.KexecFile);
        asToolsLoad.Plan.Fingerprint.Should().NotBe(planned.Plan.Fingerprint, "the layout is part of the fingerprint");

        var result = await service.ArmAsync(
            Automatic with { Plan = planned.Summary("file-layout"), PlanIn = layout => planning.InLayout(planned, layout).Summary($"{layout}-layout") },
            TestContext.Current.CancellationToken);

        result.Succeeded.Should().BeTrue();
        var g = store.Get(result.Generation.Number)!;
        g.Loader.Should().Be("kexec-tools");
        g.PlanFingerprint.Should().Be(asToolsLoad.Plan.Fingerprint);
        g.PlanJson.Should().Be("KexecTools-layout");
        g.ElfCoreHeader.Should().Equal(asToolsLoad.Plan.WriteHeader());
        HostPlanning.LayoutFor(LoaderKind.Auto, g.Loader).Should().Be(PlanLayout.KexecTools, "later passes plan what this kernel really loads");
        HostPlanning.LayoutFor(LoaderKind.KexecFile, g.Loader).Should().Be(PlanLayout.KexecFile, "a configured loader is never second-guessed");
    }

    [Fact]
    public async Task A_load_by_the_planned_loader_records_the_plan_as_given()
    {
        var (service, _, store) = Service(0);
        using var _ = service;
        var planning = new HostPlanning(_host.Host, _options, PlanLayout.KexecFile);
        var planned = planning.PlanNow();
        var relaid = 0;

        var result = await service.ArmAsync(
            Automatic with { Plan = planned.Summary("as planned"), PlanIn = layout => { relaid++; return planning.InLayout(planned, layout).Summary("relaid"); } },
            TestContext.Current.CancellationToken);

        var g = store.Get(result.Generation.Number)!;
        g.PlanFingerprint.Should().Be(planned.Plan.Fingerprint);
        g.PlanJson.Should().Be("as planned");
        relaid.Should().Be(0);
    }

    [Fact]
    public async Task A_reload_loads_the_image_its_plan_was_made_with_without_locating_or_hashing_it_again()
    {
        var (service, _, store) = Service(0);
        using var _ = service;
        var planned = new CaptureImageLocator(_host.Host).Locate(_options.Image);
        // The file changes after the pass read it: the load records what the plan was made with, read once.
        File.AppendAllText(planned.KernelPath, "changed after the planning pass");

        var result = await service.ArmAsync(Automatic with { Image = planned }, TestContext.Current.CancellationToken);

        result.Succeeded.Should().BeTrue();
        var g = store.Get(result.Generation.Number)!;
        g.Kernel!.Sha256.Should().Be(planned.KernelIdentity!.Sha256);
        g.Initrd!.Sha256.Should().Be(planned.InitrdIdentity!.Sha256);
        planned.KernelIdentity.MemorySize.Should().Be(0x3f98000UL, "the bzImage header was parsed by the locator");
    }

    private static BurstSummary Burst(ReloadTriggerKind kind) => new(
        1, new Dictionary<string, int> { [kind.ToString()] = 1 }, new HashSet<ReloadTriggerKind> { kind }, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, null, null, []);

    [Fact]
    public async Task Transient_failures_are_retried_and_every_attempt_spends_a_unit()
    {
        _host.Write(KexecSysfs.LoadLimitPanicPath, "10\n");
        var (service, syscalls, _) = Service(Errno.EBUSY, Errno.EAGAIN, 0);
        using var _ = service;

        var result = await service.ArmAsync(Automatic, TestContext.Current.CancellationToken);

        result.Generation.Outcome.Should().Be(GenerationOutcome.Loaded);
        result.Generation.Attempts.Should().Be(3);
        syscalls.Calls.Should().HaveCount(3);
        result.Generation.LoadBudgetLeft.Should().Be(7);
        result.Generation.Detail.Should().Contain("attempt 1 failed transiently").And.Contain("attempt 2 failed transiently");
    }

    [Fact]
    public async Task Retry_options_changed_by_a_reconfiguration_take_effect_at_the_next_load()
    {
        var (service, syscalls, _) = Service(Errno.EBUSY, Errno.EBUSY, 0, Errno.EBUSY);
        using var _ = service;

        var first = await service.ArmAsync(Automatic, TestContext.Current.CancellationToken);
        service.Reconfigure(service.Options with { Retry = new LoadRetryOptions { MaxAttempts = 1 } });
        var second = await service.ArmAsync(Automatic, TestContext.Current.CancellationToken);

        first.Generation.Attempts.Should().Be(3, "the pipeline built at start retries twice");
        first.Generation.Outcome.Should().Be(GenerationOutcome.Loaded);
        second.Generation.Attempts.Should().Be(1, "the reconfigured options allow no retry");
        second.Generation.Outcome.Should().Be(GenerationOutcome.Failed);
        syscalls.Calls.Should().HaveCount(4);
    }

    [Fact]
    public async Task Retries_stop_before_they_would_spend_the_last_unit()
    {
        _host.Write(KexecSysfs.LoadLimitPanicPath, "3\n");
        var (service, syscalls, _) = Service(Errno.EBUSY);
        using var _ = service;

        var result = await service.ArmAsync(Automatic, TestContext.Current.CancellationToken);

        syscalls.Calls.Should().HaveCount(2);
        result.Generation.Attempts.Should().Be(3);
        result.Generation.Outcome.Should().Be(GenerationOutcome.Refused);
        result.Generation.LoadBudgetLeft.Should().Be(1);
    }

    [Fact]
    public async Task Transient_failures_give_up_after_three_attempts()
    {
        var (service, syscalls, _) = Service(Errno.EBUSY);
        using var _ = service;

        var result = await service.ArmAsync(Automatic, TestContext.Current.CancellationToken);

        syscalls.Calls.Should().HaveCount(3);
        result.Generation.Outcome.Should().Be(GenerationOutcome.Failed);
        result.Generation.Error.Should().Contain("EBUSY");
    }

    [Fact]
    public async Task Permanent_failures_are_not_retried()
    {
        var (service, syscalls, _) = Service(Errno.EKEYREJECTED);
        using var _ = service;

        var result = await service.ArmAsync(Automatic, TestContext.Current.CancellationToken);

        syscalls.Calls.Should().ContainSingle();
        result.Generation.Attempts.Should().Be(1);
        result.Generation.Outcome.Should().Be(GenerationOutcome.Failed);
    }

    [Fact]
    public async Task A_failed_reload_after_the_kernel_freed_the_old_image_is_recorded_as_unarmed()
    {
        var (service, _, store) = Service(0, Errno.ENOMEM);
        using var _ = service;
        await service.ArmAsync(Automatic, TestContext.Current.CancellationToken);

        var failed = await service.ArmAsync(Automatic, TestContext.Current.CancellationToken);

        failed.LeftUnarmed.Should().BeTrue();
        failed.Generation.ArmedBefore.Should().BeTrue();
        failed.Generation.ArmedAfter.Should().BeFalse();
        failed.Generation.UnarmedMs.Should().NotBeNull();
        failed.Generation.Error.Should().Contain("the host is now UNARMED");
        store.LatestLoaded()!.Number.Should().Be(1);
    }

    [Fact]
    public async Task A_missing_capture_kernel_is_a_refused_generation_not_a_crash()
    {
        File.Delete(_host.Host.Resolve("/boot/vmlinuz-6.1.0-56-amd64"));
        var (service, _, store) = Service(0);
        using var _ = service;

        var result = await service.ArmAsync(Automatic, TestContext.Current.CancellationToken);

        result.Generation.Outcome.Should().Be(GenerationOutcome.Refused);
        result.Generation.Error.Should().Contain("/boot/vmlinuz-6.1.0-56-amd64 is missing");
        store.Count().Should().Be(1);
    }

    [Fact]
    public async Task Unload_is_recorded_and_the_kernel_flag_is_reread()
    {
        var (service, _, store) = Service(0);
        using var _ = service;
        await service.ArmAsync(Automatic, TestContext.Current.CancellationToken);

        var result = await service.UnloadAsync(new UnloadRequest(LoaderKind.KexecFile, OperatorRequested: true, ["cli: kdumpd unload"]), TestContext.Current.CancellationToken);

        result.Generation.Action.Should().Be(GenerationAction.Unload);
        result.Generation.Outcome.Should().Be(GenerationOutcome.Unloaded);
        result.Generation.ArmedAfter.Should().BeFalse();
        service.ReadState().Loaded.Should().BeFalse();
        store.Latest()!.Number.Should().Be(2);
    }

    [Fact]
    public async Task Dry_run_looks_armed_in_memory_and_says_so()
    {
        var (service, syscalls, _) = Service(0);
        using var _ = service;

        var result = await service.ArmAsync(Automatic with { Overrides = new LoadOverrides(Loader: LoaderKind.DryRun) }, TestContext.Current.CancellationToken);

        result.Generation.Loader.Should().Be("dry-run");
        result.Generation.Interface.Should().Be("none");
        syscalls.Calls.Should().BeEmpty();
        var state = service.ReadState(LoaderKind.DryRun);
        state.IsLoaded.Should().BeTrue();
        state.SimulatedBy.Should().Contain("dry-run: armed in memory");
        _host.Read(KexecSysfs.CrashLoadedPath).Should().Be("0");
    }

    [Fact]
    public async Task Kexec_load_disabled_is_refused_without_calling_the_kernel()
    {
        _host.Write(KexecSysfs.LoadDisabledPath, "1\n");
        var (service, syscalls, _) = Service(0);
        using var _ = service;

        var result = await service.ArmAsync(Operator, TestContext.Current.CancellationToken);

        syscalls.Calls.Should().BeEmpty();
        result.Generation.Outcome.Should().Be(GenerationOutcome.Failed);
        result.Generation.Error.Should().Contain("kexec_load_disabled is 1");
    }

    [Fact]
    public async Task A_load_is_never_lost_when_another_process_took_its_generation_number()
    {
        var database = new KdumpdDatabase(_host.DatabasePath);
        database.Migrate();
        var store = new GenerationStore(database);
        var racing = new RacingSyscalls(new FakeKexecSyscalls(_host, 0), store);
        var loaders = new PanicKernelLoaders(new KexecSysfs(_host.Host), racing, new ProcessRunner(), new KexecToolsOptions("/nonexistent/kexec"));
        using var service = new PanicKernelService(_host.Host, loaders, store, _options, TimeProvider.System);

        var result = await service.ArmAsync(Automatic, TestContext.Current.CancellationToken);

        result.Generation.Number.Should().Be(2);
        result.Generation.Outcome.Should().Be(GenerationOutcome.Loaded);
        result.Generation.CommandLine.Should().EndWith("kdumpd.generation=1");
        result.Generation.Detail.Should().Contain("names generation 1, which another kdumpd process recorded concurrently");
        store.Count().Should().Be(2);
    }

    [Fact]
    public async Task A_failure_that_kept_the_old_image_records_no_unarmed_time()
    {
        var (service, _, _) = Service(0, Errno.EKEYREJECTED);
        using var _ = service;
        await service.ArmAsync(Automatic, TestContext.Current.CancellationToken);
        _host.Write(KexecSysfs.CrashLoadedPath, "1\n");
        var (busyService, _, _) = Service(Errno.EPERM);
        using var __ = busyService;

        var result = await busyService.ArmAsync(Automatic, TestContext.Current.CancellationToken);

        result.Generation.Outcome.Should().Be(GenerationOutcome.Failed);
        result.Generation.ArmedAfter.Should().BeTrue();
        result.Generation.UnarmedMs.Should().Be(0);
        result.LeftUnarmed.Should().BeFalse();
    }

    [Fact]
    public async Task An_unreadable_sysfs_value_is_a_recorded_failure_not_a_crash()
    {
        var (service, _, store) = Service(0);
        using var _ = service;
        _host.Write(KexecSysfs.LoadLimitPanicPath, "garbage\n");

        var result = await service.ArmAsync(Automatic, TestContext.Current.CancellationToken);

        result.Generation.Outcome.Should().Be(GenerationOutcome.Failed);
        result.Generation.Error.Should().Contain("kexec_load_limit_panic").And.Contain("garbage");
        store.Count().Should().Be(1);
    }

    /// <summary>Another kdumpd records a generation while this one is inside the kernel call.</summary>
    private sealed class RacingSyscalls(IKexecSyscalls inner, GenerationStore store) : IKexecSyscalls
    {
        public int KexecFileLoad(int kernelFd, int initrdFd, ReadOnlySpan<byte> commandLine, KexecFileLoadOptions flags)
        {
            store.Record(new GenerationRecord { Loader = "dry-run", StartedAt = DateTimeOffset.UtcNow, Outcome = GenerationOutcome.Refused, Error = "other process" });
            return inner.KexecFileLoad(kernelFd, initrdFd, commandLine, flags);
        }
    }
}
