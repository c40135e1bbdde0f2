using System.Text;
using CsCheck;
using Kdumpd.Core.Watch;

namespace Kdumpd.Core.Tests.Watch;

public class UeventParserTests
{
    [Fact]
    public void Memory_hot_add_on_6_1_gives_four_memory_add_events_with_their_seqnums()
    {
        var messages = Enumerable.Range(1, 4).Select(i => Parse(UeventFixtures.Message($"memory-hotadd-6.1/memadd/00{i}.bin"))).ToList();

        messages.Select(m => m.DevPath).Should().Equal(
            "/devices/system/memory/memory32", "/devices/system/memory/memory33",
            "/devices/system/memory/memory34", "/devices/system/memory/memory35");
        messages.Select(m => m.SeqNum).Should().Equal(683UL, 684UL, 685UL, 686UL);
        messages.Should().AllSatisfy(m =>
        {
            m.Action.Should().Be(UeventAction.Add);
            m.Subsystem.Should().Be("memory");
            m.IsHotplug.Should().BeTrue();
        });
    }

    [Fact]
    public void Onlining_memory_blocks_gives_online_events()
    {
        var messages = UeventFixtures.Stream("memory-hotadd-6.1/online-mem").Select(Parse).ToList();

        messages.Should().HaveCount(4).And.AllSatisfy(m =>
        {
            m.Action.Should().Be(UeventAction.Online);
            m.ActionText.Should().Be("online");
            m.IsHotplug.Should().BeTrue();
        });
    }

    [Fact]
    public void Cpu_hot_add_is_kept_but_its_bind_event_is_not_a_hotplug_event()
    {
        var add = Parse(UeventFixtures.Message("cpu-hotadd-6.1/cpuadd/001.bin"));
        var bind = Parse(UeventFixtures.Message("cpu-hotadd-6.1/cpuadd/002.bin"));

        add.Should().Be(new UeventMessage(UeventAction.Add, "add", "/devices/system/cpu/cpu2", "cpu", add.SeqNum));
        add.IsHotplug.Should().BeTrue();
        bind.Action.Should().Be(UeventAction.Bind);
        bind.IsHotplug.Should().BeFalse();
    }

    [Fact]
    public void Onlining_a_cpu_keeps_only_the_cpu_event_not_thermal_or_machinecheck()
    {
        // The CPU's MODALIAS value ends in '\n' before its NUL: values are arbitrary bytes.
        var messages = UeventFixtures.Stream("cpu-hotadd-6.1/online-cpu").Select(Parse).ToList();

        messages.Select(m => m.Subsystem).Should().Equal("thermal", "machinecheck", "cpu");
        messages.Where(m => m.IsHotplug).Should().ContainSingle()
            .Which.Should().Be(new UeventMessage(UeventAction.Online, "online", "/devices/system/cpu/cpu2", "cpu", 681));
    }

    [Fact]
    public void A_synthetic_change_uevent_from_sysfs_is_parsed_but_is_not_hotplug()
    {
        var change = Parse(UeventFixtures.Message("synthetic-change-6.18/001.bin"));

        change.Should().Be(new UeventMessage(UeventAction.Change, "change", "/devices/system/memory/memory0", "memory", 814));
        change.IsHotplug.Should().BeFalse();
    }

    [Fact]
    public void Every_truncation_of_every_real_message_is_refused_without_throwing()
    {
        var checkedPrefixes = 0;
        foreach (var (name, bytes) in UeventFixtures.AllMessages())
        {
            UeventParser.TryParse(bytes, out _, out _).Should().BeTrue(name);
            for (var length = 0; length < bytes.Length; length++)
            {
                var ok = UeventParser.TryParse(bytes.AsSpan(0, length), out var message, out var failure);
                ok.Should().BeFalse($"{name} cut at {length} bytes");
                message.Should().BeNull();
                failure.Error.Should().BeOneOf(UeventParseError.Empty, UeventParseError.Truncated, UeventParseError.MissingField);
                checkedPrefixes++;
            }
        }

        checkedPrefixes.Should().BeGreaterThan(2000);
    }

    [Fact]
    public void Udev_rebroadcasts_are_ignored()
    {
        // libudev's monitor header: "libudev\0", magic 0xfeedcafe (network order), then header fields and the properties.
        var kernel = UeventFixtures.Message("memory-hotadd-6.1/memadd/001.bin");
        var udev = "libudev\0"u8.ToArray().Concat(new byte[] { 0xfe, 0xed, 0xca, 0xfe }).Concat(new byte[32]).Concat(kernel).ToArray();

        UeventParser.TryParse(udev, out var message, out var failure).Should().BeFalse();
        message.Should().BeNull();
        failure.Error.Should().Be(UeventParseError.UdevMonitorMessage);
    }

    [Theory]
    [InlineData("add/devices/system/memory/memory1\0ACTION=add\0DEVPATH=/devices/system/memory/memory1\0SUBSYSTEM=memory\0SEQNUM=1\0", UeventParseError.MalformedHeader)]
    [InlineData("add@\0ACTION=add\0SUBSYSTEM=memory\0SEQNUM=1\0", UeventParseError.MalformedHeader)]
    [InlineData("@/devices/x\0ACTION=add\0DEVPATH=/devices/x\0SUBSYSTEM=memory\0SEQNUM=1\0", UeventParseError.MalformedHeader)]
    [InlineData("add@/devices/x\0ACTION=add\0GARBAGE\0DEVPATH=/devices/x\0SUBSYSTEM=memory\0SEQNUM=1\0", UeventParseError.MalformedField)]
    [InlineData("add@/devices/x\0ACTION=add\0=v\0DEVPATH=/devices/x\0SUBSYSTEM=memory\0SEQNUM=1\0", UeventParseError.MalformedField)]
    [InlineData("add@/devices/x\0ACTION=add\0DEVPATH=/devices/x\0SEQNUM=1\0", UeventParseError.MissingField)]
    [InlineData("add@/devices/x\0ACTION=add\0DEVPATH=/devices/x\0SUBSYSTEM=memory\0SEQNUM=12a\0", UeventParseError.InvalidField)]
    [InlineData("add@/devices/x\0ACTION=add\0DEVPATH=/devices/x\0SUBSYSTEM=memory\0SEQNUM=\0", UeventParseError.InvalidField)]
    [InlineData("add@/devices/x\0ACTION=add\0DEVPATH=/devices/x\0SUBSYSTEM=memory\0SEQNUM=99999999999999999999\0", UeventParseError.InvalidField)]
    [InlineData("add@/devices/x\0ACTION=remove\0DEVPATH=/devices/x\0SUBSYSTEM=memory\0SEQNUM=1\0", UeventParseError.InvalidField)]
    [InlineData("add@/devices/x\0ACTION=add\0DEVPATH=/devices/y\0SUBSYSTEM=memory\0SEQNUM=1\0", UeventParseError.InvalidField)]
    [InlineData("add@/devices/x\0ACTION=add\0DEVPATH=/devices/x\0SUBSYSTEM=memory\0SEQNUM=1", UeventParseError.Truncated)]
    [InlineData("\0", UeventParseError.MalformedHeader)]
    public void Malformed_messages_give_a_typed_failure(string datagram, UeventParseError expected)
    {
        UeventParser.TryParse(Encoding.UTF8.GetBytes(datagram), out var message, out var failure).Should().BeFalse();

        message.Should().BeNull();
        failure.Error.Should().Be(expected);
        failure.ToString().Should().Contain(expected.ToString());
    }

    [Fact]
    public void An_oversized_datagram_is_refused()
    {
        var big = new byte[UeventParser.MaxMessageBytes + 1];
        big[^1] = 0;

        UeventParser.TryParse(big, out _, out var failure).Should().BeFalse();
        failure.Error.Should().Be(UeventParseError.TooLong);
    }

    [Fact]
    public void Random_bytes_never_throw() =>
        Gen.Byte.Array[0, 600].Sample(bytes =>
        {
            var ok = UeventParser.TryParse(bytes, out var message, out var failure);
            (ok == (message is not null) && ok == (failure.Error == UeventParseError.None)).Should().BeTrue();
        }, iter: 20_000);

    [Fact]
    public void Corrupted_real_messages_never_throw()
    {
        var real = UeventFixtures.AllMessages().Select(m => m.Bytes).ToArray();
        Gen.Select(Gen.Int[0, real.Length - 1], Gen.Int[0, 4096], Gen.Byte).Sample((which, position, value) =>
        {
            var bytes = (byte[])real[which].Clone();
            bytes[position % bytes.Length] = value;
            var ok = UeventParser.TryParse(bytes, out var message, out _);
            (ok == (message is not null)).Should().BeTrue();
        }, iter: 20_000);
    }

    private static UeventMessage Parse(byte[] bytes)
    {
        UeventParser.TryParse(bytes, out var message, out var failure).Should().BeTrue(failure.ToString());
        return message!;
    }
}
