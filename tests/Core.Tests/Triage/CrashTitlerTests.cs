using System.Text;
using Kdumpd.Core.Triage;

namespace Kdumpd.Core.Tests.Triage;

public sealed class CrashTitlerTests
{
    [Fact]
    public void A_log_without_a_crash_gets_no_title_and_no_signature()
    {
        var report = DmesgAnalyzer.Analyze("[    0.000000] Linux version 6.1.0\n[    1.0] EXT4-fs (sda1): mounted filesystem\n");

        report.Title.Should().BeNull();
        report.Signature.Should().BeNull();
    }

    [Fact]
    public void Two_occurrences_of_one_bug_get_one_title_whatever_the_addresses_tasks_and_cpus()
    {
        const string A = "BUG: kernel NULL pointer dereference, address: 0000000000000008\nCPU: 3 PID: 0 Comm: swapper/3\nRIP: 0010:tcp_v4_rcv+0x8c1/0xe20\n";
        const string B = "BUG: kernel NULL pointer dereference, address: 0000000000000010\nCPU: 1 PID: 944 Comm: curl\nRIP: 0010:tcp_v4_rcv.cold+0x12/0x30 [ipv4]\n";

        DmesgAnalyzer.Analyze(A).Signature.Should().Be(DmesgAnalyzer.Analyze(B).Signature).And.NotBeNull();
    }

    [Fact]
    public void Signature_is_a_stable_hash_of_the_title()
    {
        CrashSignature.Of("WARNING in dev_watchdog").Should().Be(CrashSignature.Of("WARNING in dev_watchdog")).And.HaveLength(16);
        CrashSignature.Of("WARNING in dev_watchdog").Should().NotBe(CrashSignature.Of("WARNING in dev_watchdog2"));
    }

    [Fact]
    public void Bare_panic_message_is_normalized()
    {
        var report = DmesgAnalyzer.Analyze("[ 1.5] Kernel panic - not syncing: stack-protector: Kernel stack is corrupted in: do_thing+0x1a2/0x1b0\n");

        report.Title.Should().Be("Kernel panic - not syncing: stack is corrupted in do_thing");
    }

    [Fact]
    public void A_report_whose_frames_were_lost_is_titled_by_kind_and_says_it_is_uncertain()
    {
        var report = DmesgAnalyzer.Analyze("general protection fault: 0000 [#1] SMP\n");

        report.Title.Should().Be("general protection fault");
        report.Uncertain.Should().NotBeNull();
    }

    [Fact]
    public void A_powerpc_frame_marked_unreliable_is_not_where_a_task_hung()
    {
        const string Log = """
            [ 284.63] INFO: task syz-executor.11:6660 blocked for more than 143 seconds.
            [ 284.63] Call Trace:
            [ 284.63] [c000000001bb3530] [c000000001bb35a0] __stale_symbol+0x308828/0x345288 (unreliable)
            [ 284.63] [c000000001bb3710] [c0000000000286fc] __switch_to+0x43c/0x6d0
            [ 284.64] [c000000001bb3780] [c00000000138678c] __schedule+0x3cc/0xed0
            [ 284.64] [c000000001bb3860] [c0000000013872e0] schedule+0x50/0xd0
            [ 284.64] [c000000001bb3a10] [c0000000005f8868] exit_aio+0x188/0x2a0
            [ 284.64] [c000000001bb3ad0] [c00000000016556c] mmput+0xbc/0x260

            """;

        StackFrames.Parse("[c000000001bb3530] [c000000001bb35a0] __stale_symbol+0x308828/0x345288 (unreliable)")!.Value.Unreliable.Should().BeTrue();
        DmesgAnalyzer.Analyze(Log).Title.Should().Be("INFO: task hung in exit_aio");
    }

    [Theory]
    [InlineData("utf-16le")]
    [InlineData("utf-16be")]
    [InlineData("latin1")]
    [InlineData("utf-8-bom")]
    public void Text_in_any_encoding_is_read(string encoding)
    {
        const string Log = "[ 5.0] caf\u00e9 driver loaded\n[ 6.0] kernel BUG at fs/ext4/inode.c:1193!\n[ 6.1] RIP: 0010:ext4_write_begin+0x4d9/0x580 [ext4]\n";
        var bytes = encoding switch
        {
            "utf-16le" => [.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes(Log)],
            "utf-16be" => Encoding.BigEndianUnicode.GetBytes(Log),
            "latin1" => Encoding.Latin1.GetBytes(Log),
            _ => [.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(Log)],
        };

        DmesgAnalyzer.Analyze(KernelLogText.Decode(bytes)).Title.Should().Be("kernel BUG in ext4_write_begin");
    }

    [Fact]
    public void Random_bytes_never_throw()
    {
        var random = new Random(3);
        for (var i = 0; i < 300; i++)
        {
            var bytes = new byte[random.Next(0, 4096)];
            random.NextBytes(bytes);

            _ = DmesgAnalyzer.Analyze(KernelLogText.Decode(bytes));
        }
    }
}
