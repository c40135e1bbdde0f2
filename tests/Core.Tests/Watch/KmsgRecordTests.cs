using Kdumpd.Core.Watch;

namespace Kdumpd.Core.Tests.Watch;

public class KmsgRecordTests
{
    [Fact]
    public void A_kmsg_record_splits_into_facility_level_sequence_time_and_text()
    {
        KmsgRecord.TryParse("6,1234,78724423,-;crash hp: kexec_trylock() failed, elfcorehdr may be inaccurate\n", out var record).Should().BeTrue();

        record.Should().Be(new KmsgRecord(0, 6, 1234, 78724423, "crash hp: kexec_trylock() failed, elfcorehdr may be inaccurate"));
    }

    [Theory]
    [InlineData("")]
    [InlineData(" SUBSYSTEM=memory")]
    [InlineData("no prefix at all")]
    [InlineData("6,x,1,-;text")]
    [InlineData("6,1;text")]
    public void Continuation_lines_and_garbage_are_not_records(string line) =>
        KmsgRecord.TryParse(line, out _).Should().BeFalse();

    [Theory]
    // kernel/crash_core.c, 6.6 to 6.11 (pr_info)
    [InlineData(6, "crash hp: kexec_trylock() failed, elfcorehdr may be inaccurate")]
    // the same message after its 2024 rewording (Sourabh Jain, "kdump image" instead of "elfcorehdr")
    [InlineData(6, "crash hp: kexec_trylock() failed, kdump image may be inaccurate")]
    [InlineData(3, "crash hp: unable to locate elfcorehdr segment")]
    [InlineData(3, "crash hp: unable to create new elfcorehdr")]
    [InlineData(3, "crash hp: update elfcorehdr elfsz 917616 > memsz 65536")]
    [InlineData(3, "crash hp: mapping elfcorehdr segment failed")]
    public void The_kernels_crash_hotplug_failure_messages_are_recognised(int level, string message) =>
        CrashHotplugFailureDetector.IsFailure(message, level).Should().BeTrue();

    [Fact]
    public void A_crash_hp_line_written_by_a_process_is_not_the_kernels()
    {
        // echo '<3>crash hp: ...' > /dev/kmsg is stored with facility LOG_USER (1): prio 1 << 3 | 3 = 11
        KmsgRecord.TryParse("11,2001,90000000,-;crash hp: unable to create new elfcorehdr", out var written).Should().BeTrue();
        KmsgRecord.TryParse("3,2002,90000001,-;crash hp: unable to create new elfcorehdr", out var kernel).Should().BeTrue();

        written.Facility.Should().Be(1);
        CrashHotplugFailureDetector.IsFailure(written).Should().BeFalse();
        CrashHotplugFailureDetector.IsFailure(kernel).Should().BeTrue();
    }

    [Theory]
    [InlineData(7, "crash hp: hp_action 3")]
    [InlineData(6, "PEFILE: Unsigned PE binary")]
    [InlineData(3, "kexec_trylock() failed, elfcorehdr may be inaccurate")]
    [InlineData(6, "Built 1 zonelists, mobility grouping on.  Total pages: 1817886")]
    public void Other_kernel_messages_are_not_failures(int level, string message) =>
        CrashHotplugFailureDetector.IsFailure(message, level).Should().BeFalse();
}
