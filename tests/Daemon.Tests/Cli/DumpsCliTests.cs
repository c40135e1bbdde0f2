using System.CommandLine;
using System.Text.Json;
using Kdumpd.Daemon.Cli;
using Microsoft.Data.Sqlite;

namespace Kdumpd.Daemon.Tests.Cli;

public sealed class DumpsCliTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("kdumpd-cli-").FullName;

    private string Dumps => Path.Join(_root, "crash");

    private string Db => Path.Join(_root, "db", "kdumpd.db");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_root, recursive: true);
    }

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = CliRoot.Create().Parse(args).Invoke(new InvocationConfiguration { Output = output, Error = error });
        return (code, output.ToString(), error.ToString());
    }

    /// <summary>A Fedora dump directory with a truncated ELF vmcore and an oops in vmcore-dmesg.txt.</summary>
    private void FedoraDump()
    {
        var dir = Directory.CreateDirectory(Path.Join(Dumps, "127.0.0.1-2026-11-24-07:57:28")).FullName;
        File.WriteAllText(Path.Join(dir, "vmcore"), "not really a vmcore");
        File.WriteAllText(Path.Join(dir, "vmcore-dmesg.txt"), "[  1.0] BUG: unable to handle page fault for address: ffff\n[  1.1] RIP: 0010:foo+0x1/0x2\n[  1.2] Call Trace:\n[  1.3]  bar+0x1/0x2\n");
    }

    [Fact]
    public void Dumps_list_prints_a_table_with_the_coredumpctl_like_columns()
    {
        FedoraDump();

        var (code, output, _) = Run("dumps", "list", "--dump-dir", Dumps, "--database", Db);

        code.Should().Be(0);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines[0].Should().MatchRegex("^ID +CRASH TIME +KERNEL +FORMAT +SIZE +STATE +EGRESS +CRASH$");
        lines[1].Should().Contain("BUG: unable to handle kernel paging request in foo").And.Contain("incomplete");
    }

    [Fact]
    public void Dumps_list_json_and_show_by_id_prefix_agree()
    {
        FedoraDump();

        var (code, json, _) = Run("dumps", "list", "--dump-dir", Dumps, "--database", Db, "--format", "json");
        code.Should().Be(0);
        using var doc = JsonDocument.Parse(json);
        var dump = doc.RootElement.EnumerateArray().Single();
        var id = dump.GetProperty("id").GetString()!;
        dump.GetProperty("layout").GetString().Should().Be("fedora");
        dump.GetProperty("header_error").GetString().Should().Contain("unrecognised signature");

        var (showCode, show, _) = Run("dumps", "show", id[..6], "--dump-dir", Dumps, "--database", Db);
        showCode.Should().Be(0);
        show.Should().Contain($"ID:               {id}").And.Contain("bar+0x1/0x2").And.Contain("foreign");
    }

    [Fact]
    public void Dumps_list_group_prints_one_line_per_crash_signature()
    {
        FedoraDump();
        var second = Directory.CreateDirectory(Path.Join(Dumps, "127.0.0.1-2026-11-25-07:57:28")).FullName;
        File.WriteAllText(Path.Join(second, "vmcore-dmesg.txt"), "[  9.0] BUG: unable to handle page fault for address: ffee\n[  9.1] RIP: 0010:foo+0x7/0x9\n[  9.2] Call Trace:\n[  9.3]  bar+0x1/0x2\n");

        var (code, output, _) = Run("dumps", "list", "--group", "--dump-dir", Dumps, "--database", Db);

        code.Should().Be(0);
        var lines = output.TrimEnd().Split('\n');
        lines[0].Should().MatchRegex("^SIGNATURE +COUNT +FIRST SEEN +LAST SEEN +KERNELS +TITLE$");
        lines.Should().HaveCount(2);
        lines[1].Should().MatchRegex(@"^[0-9a-f]{16} +2 +2026-11-24 .* BUG: unable to handle kernel paging request in foo$");
    }

    [Fact]
    public void Dumps_show_of_an_unknown_id_fails_with_exit_code_1_and_says_so()
    {
        var (code, _, error) = Run("dumps", "show", "ffffffffffffffff", "--dump-dir", Dumps, "--database", Db);

        code.Should().Be(1);
        error.Should().Contain("no dump with id ffffffffffffffff");
    }

    [Fact]
    public void Dumps_rescan_reports_counts_and_a_bad_format_is_a_usage_error()
    {
        FedoraDump();

        var (code, output, _) = Run("dumps", "rescan", "--dump-dir", Dumps, "--database", Db);
        code.Should().Be(0);
        output.Should().Contain("1 dumps (1 added");

        Run("dumps", "rescan", "--dump-dir", Dumps, "--database", Db, "--format", "yaml").Code.Should().NotBe(0);
    }

    [Fact]
    public void Capture_from_a_file_saves_a_dump_that_dumps_list_then_shows()
    {
        var vmcore = Path.Join(_root, "vmcore.src");
        File.WriteAllBytes(vmcore, [.. Kdumpd.Core.Tests.Dumps.SyntheticDumps.ElfHeader([(0x100000, 0x4000)]), .. new byte[0x4000]]);

        var (code, output, _) = Run("capture", "--vmcore", vmcore, "--dump-dir", Dumps, "--collector", "builtin", "--hostname", "cli-test", "--final-action", "stay");

        code.Should().Be(0);
        var dir = output.Trim();
        Path.GetFileName(dir).Should().EndWith("-cli-test");
        File.Exists(Path.Join(dir, "vmcore")).Should().BeTrue();
        File.Exists(Path.Join(dir, "kdumpd.json")).Should().BeTrue();
        var listed = Run("dumps", "list", "--dump-dir", Dumps, "--database", Db).Out.Split('\n')[1];
        listed.Should().MatchRegex(@"^[0-9a-f]{16} .* 6\.12\.0-synthetic +elf +20K +complete ");
    }

    [Fact]
    public void Capture_without_a_vmcore_exits_3_not_operational()
    {
        Run("capture", "--vmcore", Path.Join(_root, "missing"), "--dump-dir", Dumps).Code.Should().Be(3);
    }
}
