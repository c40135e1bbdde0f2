using Kdumpd.Core.Reload;
using Kdumpd.Core.Watch;

namespace Kdumpd.Core.Tests.Reload;

public class ReloadCoordinatorTests
{
    private static readonly CrashHotplugSupport _kernelHandlesHotplug = new(CrashHotplugState.On, CrashHotplugState.On);

    [Fact]
    public async Task Burst_of_1000_memory_events_within_a_second_gives_one_reload()
    {
        await using var h = new CoordinatorHarness();
        h.Target.HostFingerprint = "fp-2";
        var first = h.Time.GetUtcNow();

        for (var i = 0; i < 1000; i++)
        {
            h.PostMemory(i % 2 == 0 ? UeventAction.Add : UeventAction.Online, 32 + (i / 2), (ulong)(683 + i));
            h.Time.Advance(TimeSpan.FromMilliseconds(1));
        }

        var pass = await h.AdvanceUntilPassAsync();
        var later = await h.IdleAsync();

        pass.Outcome.Should().Be(ReloadOutcome.Reloaded);
        pass.Burst.Count.Should().Be(1000);
        pass.Burst.CountsByLabel.Should().BeEquivalentTo(new Dictionary<string, int> { ["memory/add"] = 500, ["memory/online"] = 500 });
        pass.Burst.FirstSeqNum.Should().Be(683);
        pass.Burst.LastSeqNum.Should().Be(1682);
        pass.FingerprintBefore.Should().Be("fp-1");
        pass.FingerprintAfter.Should().Be("fp-2");
        // the burst went quiet at ~1 s; the pass runs one quiet window later (never earlier), not at the 5 s cap
        (pass.StartedAt - pass.Burst.LastAt).Should().BeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(500));
        (pass.StartedAt - first).Should().BeCloseTo(TimeSpan.FromMilliseconds(999 + 500), CoordinatorHarness.Slack);
        later.Should().BeEmpty();
        h.Target.ReloadCount.Should().Be(1);
        h.Target.Reloads.Single().Burst.Count.Should().Be(1000);
    }

    [Fact]
    public async Task An_event_during_a_reload_gives_exactly_one_more_pass()
    {
        await using var h = new CoordinatorHarness();
        h.Target.ReloadGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        h.Target.HostFingerprint = "fp-2";
        h.PostMemory(block: 32);

        var started = h.Target.ReloadStarted.Task;
        while (!started.IsCompleted)
        {
            h.Time.Advance(CoordinatorHarness.Step);
            await Task.WhenAny(started, Task.Delay(3, TestContext.Current.CancellationToken));
        }

        // while the first reload is in its load call: more hotplug, which changes the plan again
        h.Target.HostFingerprint = "fp-3";
        h.PostMemory(UeventAction.Online, 33);
        h.PostMemory(UeventAction.Online, 34);
        h.PostMemory(UeventAction.Online, 35);
        h.Target.ReloadGate.SetResult();

        var firstPass = await h.NextPassAsync();
        var secondPass = await h.AdvanceUntilPassAsync();
        var later = await h.IdleAsync();

        firstPass.Outcome.Should().Be(ReloadOutcome.Reloaded);
        firstPass.Burst.Count.Should().Be(1);
        firstPass.FingerprintAfter.Should().Be("fp-2");
        secondPass.Outcome.Should().Be(ReloadOutcome.Reloaded);
        secondPass.Burst.Count.Should().Be(3);
        secondPass.FingerprintBefore.Should().Be("fp-2");
        secondPass.FingerprintAfter.Should().Be("fp-3");
        later.Should().BeEmpty();
        h.Target.ReloadCount.Should().Be(2);
    }

    [Fact]
    public async Task Unchanged_fingerprint_records_no_change_and_does_not_reload()
    {
        await using var h = new CoordinatorHarness();
        h.PostMemory(UeventAction.Offline);

        var pass = await h.AdvanceUntilPassAsync();

        pass.Outcome.Should().Be(ReloadOutcome.NoChange);
        pass.Decision.Should().Be("fingerprint unchanged");
        pass.FingerprintBefore.Should().Be("fp-1").And.Be(pass.FingerprintAfter);
        h.Target.ProbeCount.Should().Be(1);
        h.Target.ReloadCount.Should().Be(0);
        h.Stats.Snapshot(h.Time.GetUtcNow()).NoChangeCount.Should().Be(1);
    }

    [Fact]
    public async Task Crash_hotplug_kernel_records_the_plan_for_memory_events_but_reloads_for_a_new_kernel_file()
    {
        await using var h = new CoordinatorHarness();
        h.Target.CrashHotplug = _kernelHandlesHotplug;
        h.Target.HostFingerprint = "fp-2";
        for (var block = 32; block < 36; block++)
        {
            h.PostMemory(UeventAction.Add, block);
        }

        var hotplugPass = await h.AdvanceUntilPassAsync();

        hotplugPass.Outcome.Should().Be(ReloadOutcome.PlanRecorded);
        hotplugPass.FingerprintAfter.Should().Be("fp-2");
        h.Target.ReloadCount.Should().Be(0);
        h.Target.RecordCount.Should().Be(1);
        h.Target.LoadedFingerprint.Should().Be("fp-2");

        h.Target.HostFingerprint = "fp-3";
        h.Post(ReloadTrigger.FileChanged(ReloadTriggerKind.KernelFileChanged, "/boot/vmlinuz-6.12.0", "Renamed", h.Time.GetUtcNow()));
        var kernelPass = await h.AdvanceUntilPassAsync();

        kernelPass.Outcome.Should().Be(ReloadOutcome.Reloaded);
        kernelPass.Burst.Kinds.Should().BeEquivalentTo([ReloadTriggerKind.KernelFileChanged]);
        h.Target.ReloadCount.Should().Be(1);
        h.Stats.Snapshot(h.Time.GetUtcNow()).ReloadsByTrigger[ReloadTriggerKind.KernelFileChanged].Should().Be(1);
    }

    [Fact]
    public async Task Crash_hotplug_does_not_help_an_image_loaded_with_kexec_load()
    {
        await using var h = new CoordinatorHarness();
        h.Target.CrashHotplug = _kernelHandlesHotplug;
        h.Target.LoadedWithKexecFileLoad = false;
        h.Target.HostFingerprint = "fp-2";
        h.PostMemory();

        var pass = await h.AdvanceUntilPassAsync();

        pass.Outcome.Should().Be(ReloadOutcome.Reloaded);
        h.Target.RecordCount.Should().Be(0);
    }

    [Fact]
    public async Task Memory_only_crash_hotplug_still_reloads_for_a_cpu_event()
    {
        await using var h = new CoordinatorHarness();
        h.Target.CrashHotplug = new CrashHotplugSupport(CrashHotplugState.On, CrashHotplugState.Off);
        h.Target.HostFingerprint = "fp-2";
        h.PostMemory();
        h.PostCpu();

        var pass = await h.AdvanceUntilPassAsync();

        pass.Outcome.Should().Be(ReloadOutcome.Reloaded);
        pass.Burst.Describe().Should().Be("cpu/online×1 memory/add×1");
    }

    [Fact]
    public async Task Max_delay_is_honoured_under_a_never_ending_trickle()
    {
        await using var h = new CoordinatorHarness();
        var first = h.Time.GetUtcNow();
        var passes = new List<ReloadPassRecord>();
        var trickle = TimeSpan.FromMilliseconds(400); // always inside the 500 ms quiet window
        var nextEvent = first;
        ulong seq = 0;

        while (h.Time.GetUtcNow() - first < TimeSpan.FromSeconds(11))
        {
            if (h.Time.GetUtcNow() >= nextEvent)
            {
                h.Target.HostFingerprint = $"fp-{++seq + 1}";
                h.PostMemory(seq: seq);
                nextEvent += trickle;
            }

            passes.AddRange(await h.AdvanceAsync(CoordinatorHarness.Step, settle: false));
        }

        passes.Should().HaveCount(2);
        (passes[0].StartedAt - first).Should().BeGreaterThanOrEqualTo(TimeSpan.FromSeconds(5));
        (passes[0].StartedAt - first).Should().BeCloseTo(TimeSpan.FromSeconds(5), CoordinatorHarness.Slack);
        passes[0].Burst.Count.Should().BeInRange(13, 14);
        passes.Should().AllSatisfy(p => p.Outcome.Should().Be(ReloadOutcome.Reloaded));
        // the second burst starts with the first trigger after the first pass and is capped the same way
        (passes[1].StartedAt - passes[1].Burst.FirstAt).Should().BeCloseTo(TimeSpan.FromSeconds(5), CoordinatorHarness.Slack);
    }

    [Fact]
    public async Task Kmsg_crash_hotplug_failure_forces_a_full_reload_even_on_a_hotplug_kernel()
    {
        await using var h = new CoordinatorHarness();
        h.Target.CrashHotplug = _kernelHandlesHotplug;
        h.Post(ReloadTrigger.KmsgFailure("crash hp: kexec_trylock() failed, elfcorehdr may be inaccurate", h.Time.GetUtcNow()));

        var pass = await h.AdvanceUntilPassAsync();

        pass.Outcome.Should().Be(ReloadOutcome.Reloaded);
        pass.Decision.Should().Be("forced: the kernel's own header update failed");
        h.Target.ReloadCount.Should().Be(1);
    }

    [Fact]
    public async Task Startup_without_a_loaded_image_loads_one()
    {
        await using var h = new CoordinatorHarness();
        h.Target.ImageLoaded = false;
        h.Post(ReloadTrigger.Startup(h.Time.GetUtcNow()));

        var pass = await h.AdvanceUntilPassAsync();

        pass.Outcome.Should().Be(ReloadOutcome.Reloaded);
        pass.Decision.Should().Be("no crash image loaded");
        pass.FingerprintBefore.Should().BeNull();
        pass.Result!.Generation.Should().Be(1);
    }

    [Fact]
    public async Task Startup_pass_runs_at_once_without_waiting_for_the_quiet_window()
    {
        await using var h = new CoordinatorHarness(new ReloadCoordinatorOptions { QuietWindow = TimeSpan.FromSeconds(30), MaxDelay = TimeSpan.FromSeconds(60) });
        h.Target.ImageLoaded = false;
        h.Post(ReloadTrigger.Startup(h.Time.GetUtcNow()));

        // the fake clock never moves: a pass that waited for the 30 s window would never come
        var pass = await h.NextPassAsync();

        pass.Outcome.Should().Be(ReloadOutcome.Reloaded);
        pass.StartedAt.Should().Be(h.Time.GetUtcNow());
    }

    [Fact]
    public async Task Explicit_request_returns_its_pass_and_force_reloads_an_unchanged_plan()
    {
        await using var h = new CoordinatorHarness();

        var plain = h.Coordinator.RequestReloadAsync("cli:uid=0", force: false, TestContext.Current.CancellationToken);
        await h.AdvanceUntilPassAsync();
        var forced = h.Coordinator.RequestReloadAsync("api:alice", force: true, TestContext.Current.CancellationToken);
        await h.AdvanceUntilPassAsync();

        (await plain).Outcome.Should().Be(ReloadOutcome.NoChange);
        var forcedPass = await forced;
        forcedPass.Outcome.Should().Be(ReloadOutcome.Reloaded);
        forcedPass.Burst.Samples.Single().RequestedBy.Should().Be("api:alice");
        h.Target.ReloadCount.Should().Be(1);
    }

    [Fact]
    public async Task A_failed_probe_is_retried_after_the_backoff()
    {
        await using var h = new CoordinatorHarness(new ReloadCoordinatorOptions { RetryDelay = TimeSpan.FromSeconds(10) });
        h.Target.ProbeFailure = new IOException("/proc/iomem: read failed");
        h.Target.HostFingerprint = "fp-2";
        h.PostMemory();

        var failed = await h.AdvanceUntilPassAsync();
        h.Target.ProbeFailure = null;
        var retry = await h.AdvanceUntilPassAsync();

        failed.Outcome.Should().Be(ReloadOutcome.ProbeFailed);
        failed.Error.Should().Contain("/proc/iomem");
        retry.Burst.Kinds.Should().BeEquivalentTo([ReloadTriggerKind.RetryAfterFailure]);
        (retry.StartedAt - failed.EndedAt).Should().BeCloseTo(TimeSpan.FromSeconds(10.5), CoordinatorHarness.Slack);
        retry.Outcome.Should().Be(ReloadOutcome.Reloaded);
    }

    [Fact]
    public async Task Stats_count_passes_by_outcome_and_the_last_reload()
    {
        await using var h = new CoordinatorHarness();
        h.PostMemory();
        await h.AdvanceUntilPassAsync();
        h.Target.HostFingerprint = "fp-2";
        h.PostCpu();
        var reload = await h.AdvanceUntilPassAsync();

        var stats = h.Stats.Snapshot(h.Time.GetUtcNow());

        stats.PassesByOutcome[ReloadOutcome.NoChange].Should().Be(1);
        stats.PassesByOutcome[ReloadOutcome.Reloaded].Should().Be(1);
        stats.ReloadsByTrigger[ReloadTriggerKind.CpuHotplug].Should().Be(1);
        stats.ReloadsByTrigger[ReloadTriggerKind.MemoryHotplug].Should().Be(0);
        stats.LastReloadAt.Should().Be(reload.EndedAt);
        stats.TriggersPosted.Should().Be(2);
        stats.Armed.Should().BeTrue();
    }

    [Fact]
    public async Task The_last_load_budget_unit_is_not_spent_on_hotplug_but_is_on_a_new_kernel()
    {
        await using var h = new CoordinatorHarness();
        h.Target.LoadBudget = 1;
        h.Target.HostFingerprint = "fp-2";
        h.PostMemory();

        var held = await h.AdvanceUntilPassAsync();
        h.Target.HostFingerprint = "fp-3";
        h.Post(ReloadTrigger.FileChanged(ReloadTriggerKind.InitrdFileChanged, "/boot/initrd.img-6.12.0", "Changed", h.Time.GetUtcNow()));
        var spent = await h.AdvanceUntilPassAsync();

        held.Outcome.Should().Be(ReloadOutcome.BudgetHeld);
        held.Decision.Should().Contain("has 1 unit(s) left, kept for a new capture kernel");
        spent.Outcome.Should().Be(ReloadOutcome.Reloaded);
        h.Target.LoadBudget.Should().Be(0);
        h.Target.ReloadCount.Should().Be(1);
    }

    [Fact]
    public async Task An_exhausted_load_budget_holds_even_a_forced_reload()
    {
        await using var h = new CoordinatorHarness();
        h.Target.LoadBudget = 0;

        var request = h.Coordinator.RequestReloadAsync("cli:uid=0", force: true, TestContext.Current.CancellationToken);
        await h.AdvanceUntilPassAsync();
        var pass = await request;

        pass.Outcome.Should().Be(ReloadOutcome.BudgetHeld);
        pass.Decision.Should().Contain("exhausted");
        h.Target.ReloadCount.Should().Be(0);
        h.Stats.Snapshot(h.Time.GetUtcNow()).PassesByOutcome[ReloadOutcome.BudgetHeld].Should().Be(1);
    }

    [Fact]
    public async Task An_operators_forced_reload_spends_the_last_load_only_with_explicit_force()
    {
        await using var h = new CoordinatorHarness();
        h.Target.LoadBudget = 1;

        var plain = h.Coordinator.RequestReloadAsync("api:ops", force: true, TestContext.Current.CancellationToken);
        await h.AdvanceUntilPassAsync();
        var held = await plain;
        var explicitForce = h.Coordinator.RequestReloadAsync("api:ops", force: true, spendLastLoad: true, TestContext.Current.CancellationToken);
        await h.AdvanceUntilPassAsync();
        var spent = await explicitForce;

        held.Outcome.Should().Be(ReloadOutcome.BudgetHeld);
        held.Decision.Should().Contain("--force");
        spent.Outcome.Should().Be(ReloadOutcome.Reloaded);
        h.Target.LoadBudget.Should().Be(0);
        h.Target.ReloadCount.Should().Be(1);
    }

    [Fact]
    public void Operator_reloads_are_rate_limited_to_one_per_interval()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.Parse("2026-11-30T09:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var gate = new OperatorReloadGate(time, TimeSpan.FromSeconds(30));

        var admitted = Enumerable.Range(0, 100).Count(i => gate.TryEnter(out _));
        time.Advance(TimeSpan.FromSeconds(10));
        gate.TryEnter(out var retry).Should().BeFalse();
        time.Advance(TimeSpan.FromSeconds(20));

        admitted.Should().Be(1);
        retry.Should().Be(TimeSpan.FromSeconds(20));
        gate.TryEnter(out _).Should().BeTrue();
    }

    [Fact]
    public void Options_refuse_a_max_delay_shorter_than_the_quiet_window()
    {
        var options = new ReloadCoordinatorOptions { QuietWindow = TimeSpan.FromSeconds(2), MaxDelay = TimeSpan.FromSeconds(1) };

        options.Invoking(o => o.Validate()).Should().Throw<ArgumentOutOfRangeException>().WithMessage("*quiet window*");
    }
}
