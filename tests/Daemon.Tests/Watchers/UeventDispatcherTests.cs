using Kdumpd.Core.Hotplug;
using Kdumpd.Core.Reload;
using Kdumpd.Core.Watch;

namespace Kdumpd.Daemon.Tests.Watchers;

public class UeventDispatcherTests
{
    [Fact]
    public void Hotplug_uevents_become_memory_and_cpu_triggers_with_their_facts()
    {
        var at = DateTimeOffset.UnixEpoch;
        var memory = UeventDispatcher.TriggerFor(Parse("memory-hotadd-6.1/memadd/001.bin"), at);
        var thermal = UeventDispatcher.TriggerFor(Parse("cpu-hotadd-6.1/online-cpu/001.bin"), at);

        memory.Should().NotBeNull();
        memory!.Kind.Should().Be(ReloadTriggerKind.MemoryHotplug);
        memory.Label.Should().Be("memory/add");
        memory.DevPath.Should().Be("/devices/system/memory/memory32");
        memory.SeqNum.Should().Be(683);
        thermal.Should().BeNull();
    }

    private static UeventMessage Parse(string fixture)
    {
        UeventParser.TryParse(File.ReadAllBytes(Fixture(fixture)), out var message, out _).Should().BeTrue(fixture);
        return message!;
    }

    [Fact]
    public async Task Real_memory_hot_add_datagrams_become_one_pass_and_are_counted()
    {
        await using var rig = new WatcherRig();
        var dispatcher = new UeventDispatcher(rig.Coordinator, Serilog.Core.Logger.None);
        var root = Fixture(".");
        var datagrams = Directory.GetFiles(Path.Combine(root, "memory-hotadd-6.1", "memadd"), "00*.bin").Order(StringComparer.Ordinal)
            .Concat(Directory.GetFiles(Path.Combine(root, "cpu-hotadd-6.1", "online-cpu"), "00*.bin").Order(StringComparer.Ordinal))
            .Select(File.ReadAllBytes)
            .Append("libudev\0garbage"u8.ToArray())
            .ToList();

        var outcomes = datagrams.Select(d => dispatcher.Dispatch(d)).ToList();
        var pass = await rig.NextPassAsync();

        outcomes.Should().Equal(
            UeventDispatch.Posted, UeventDispatch.Posted, UeventDispatch.Posted, UeventDispatch.Posted,
            UeventDispatch.Ignored, UeventDispatch.Ignored, UeventDispatch.Posted, UeventDispatch.Rejected);
        pass!.Burst.Describe().Should().Be("cpu/online×1 memory/add×4");
        var stats = rig.Coordinator.Stats.Snapshot(DateTimeOffset.UtcNow);
        stats.Uevents.Should().ContainEquivalentOf(new UeventCount("memory", "add", 4));
        stats.Uevents.Should().ContainEquivalentOf(new UeventCount("thermal", "add", 1));
        stats.UeventsRejected.Should().ContainKey("UdevMonitorMessage").WhoseValue.Should().Be(1);
        stats.ReloadsByTrigger[ReloadTriggerKind.MemoryHotplug].Should().Be(1);
    }

    /// <summary>A captured uevent datagram (or folder of them) under tests/data/uevents.</summary>
    internal static string Fixture(string name) => Repo.Data("uevents", name);
}
