using System.Text.Json;
using Kdumpd.Core.Tests.Dumps;
using Kdumpd.Daemon.Cli;

namespace Kdumpd.Daemon.Tests.Cli;

public sealed class TriageCommandTests
{
    private static string Oops(string name) => Repo.Data("oops", name);

    [Fact]
    public async Task Triage_json_has_title_signature_panic_line_and_call_trace()
    {
        var output = new StringWriter();

        var code = await CliRoot.RunAsync(["triage", Oops("kernel-bug-ext4.log"), "--format", "json"], output, new StringWriter());

        code.Should().Be(0);
        using var json = JsonDocument.Parse(output.ToString());
        json.RootElement.GetProperty("title").GetString().Should().Be("kernel BUG in ext4_write_begin");
        json.RootElement.GetProperty("signature").GetString().Should().HaveLength(16);
        json.RootElement.GetProperty("panicLine").GetString().Should().Be("kernel BUG at fs/ext4/inode.c:1193!");
        json.RootElement.GetProperty("callTrace").GetArrayLength().Should().BeGreaterThan(3);
    }

    [Fact]
    public async Task Triage_dmesg_of_a_vmcore_is_byte_for_byte_what_makedumpfile_printed()
    {
        var written = Path.GetTempFileName();
        try
        {
            var code = await CliRoot.RunAsync(["triage", DumpFixtures.File("qemu-6.1-sysrq", "dump.kdump"), "--dmesg", written], new StringWriter(), new StringWriter());

            code.Should().Be(0);
            File.ReadAllBytes(written).Should().Equal(File.ReadAllBytes(DumpFixtures.File("qemu-6.1-sysrq", "dmesg.txt")));
        }
        finally
        {
            File.Delete(written);
        }
    }

    [Fact]
    public async Task Triage_of_a_log_without_a_crash_has_a_null_title()
    {
        var output = new StringWriter();

        var code = await CliRoot.RunAsync(["triage", Oops("clean-boot.log"), "--format", "json"], output, new StringWriter());

        code.Should().Be(0);
        using var json = JsonDocument.Parse(output.ToString());
        json.RootElement.GetProperty("title").ValueKind.Should().Be(JsonValueKind.Null);
        json.RootElement.GetProperty("signature").ValueKind.Should().Be(JsonValueKind.Null);
    }

    [Fact]
    public async Task Triage_of_an_unreadable_vmcore_exits_1_with_a_reason()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(path, [0x7f, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1, 0, 0, 0, 0, 0]);
            var output = new StringWriter();

            var code = await CliRoot.RunAsync(["triage", path, "--format", "json"], output, new StringWriter());

            code.Should().Be(1);
            using var json = JsonDocument.Parse(output.ToString());
            json.RootElement.GetProperty("title").ValueKind.Should().Be(JsonValueKind.Null);
            json.RootElement.GetProperty("reason").GetString().Should().Contain(path);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Triage_text_names_the_title_and_the_trace()
    {
        var output = new StringWriter();

        await CliRoot.RunAsync(["triage", Oops("hung-task-jbd2.log")], output, new StringWriter());

        output.ToString().Should().Contain("Title:      INFO: task hung in jbd2_journal_commit_transaction").And.Contain("Call trace:");
    }
}
