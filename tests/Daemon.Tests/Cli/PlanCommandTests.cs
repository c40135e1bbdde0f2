using System.CommandLine;
using System.Text.Json;
using Kdumpd.Core.Host;
using Kdumpd.Core.Planning;
using Kdumpd.Daemon.Cli;

namespace Kdumpd.Daemon.Tests.Cli;

public class PlanCommandTests
{
    [Fact]
    public async Task Plan_prints_the_reservation_loads_and_fingerprint_as_a_table()
    {
        var (exit, stdout, stderr) = await Run("plan", "--host-root", Host("qemu-6.1-1g-ck256"));

        exit.Should().Be(0, stderr);
        stdout.Should().Contain("Reservation   0x2f000000-0x3effffff  256M")
            .And.Contain("Layout        kexec-file (x86_64)")
            .And.Contain("LOADS (2)")
            .And.Contain("NOTES (3)")
            .And.MatchRegex("Fingerprint   sha256:[0-9a-f]{64}");
    }

    [Fact]
    public async Task Json_output_carries_the_same_plan_as_the_core_planner()
    {
        var root = Host("qemu-6.1-1g-ck256");
        var expected = CrashPlanner.Plan(HostReader.Read(new HostRoot(root)), new PlanOptions { Layout = PlanLayout.KexecTools });

        var (exit, stdout, _) = await Run("plan", "--host-root", root, "--layout", "kexec-tools", "--format", "json");

        exit.Should().Be(0);
        using var json = JsonDocument.Parse(stdout);
        var plan = json.RootElement;
        plan.GetProperty("layout").GetString().Should().Be("kexec-tools");
        plan.GetProperty("fingerprint").GetString().Should().Be("sha256:" + expected.Fingerprint);
        plan.GetProperty("loads").EnumerateArray().Select(l => l.GetProperty("physicalAddress").GetString())
            .Should().Equal("0x1000", "0x100000", "0x3f000000");
        plan.GetProperty("backup").GetProperty("destination").GetString().Should().Be("0x3ef61400");
    }

    [Fact]
    public async Task Elfcorehdr_option_writes_the_planned_header_bytes()
    {
        var root = Host("qemu-6.1-hotplug-after-online");
        var file = Path.Combine(Path.GetTempPath(), $"kdumpd-test-{Guid.NewGuid():N}.elf");
        try
        {
            var (exit, _, _) = await Run("plan", "--host-root", root, "--elfcorehdr", file);

            exit.Should().Be(0);
            File.ReadAllBytes(file).Should().Equal(CrashPlanner.Plan(HostReader.Read(new HostRoot(root)), new PlanOptions()).WriteHeader());
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task A_host_without_reservation_is_not_operational()
    {
        var (exit, stdout, _) = await Run("plan", "--host-root", Host("firecracker-6.18-24g-nokexec"));

        exit.Should().Be(PlanCommand.ExitNotOperational);
        stdout.Should().Contain("no-crash-reservation").And.Contain("crashkernel=");
    }

    [Fact]
    public async Task A_missing_host_file_is_a_short_error_naming_it()
    {
        var (exit, stdout, stderr) = await Run("plan", "--host-root", Path.Combine(Path.GetTempPath(), "kdumpd-no-such-host"));

        exit.Should().Be(1);
        stdout.Should().BeEmpty();
        stderr.Trim().Should().StartWith("kdumpd plan:").And.Contain("proc/iomem").And.NotContain("   at ");
    }

    [Fact]
    public async Task Unprivileged_iomem_says_run_as_root()
    {
        var root = Directory.CreateTempSubdirectory("kdumpd-unpriv-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Join(root, "proc"));
            File.WriteAllText(Path.Join(root, "proc/iomem"), "00000000-00000000 : Reserved\n00000000-00000000 : System RAM\n");

            var (exit, _, stderr) = await Run("plan", "--host-root", root);

            exit.Should().Be(1);
            stderr.Should().Contain("run as root");
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task An_unknown_layout_is_a_usage_error()
    {
        var (exit, _, stderr) = await Run("plan", "--layout", "kexec-magic");

        exit.Should().Be(CliRoot.ExitUsage);
        stderr.Should().Contain("kexec-magic");
    }

    private static async Task<(int Exit, string Stdout, string Stderr)> Run(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = await CliRoot.InvokeAsync(args, new InvocationConfiguration { Output = stdout, Error = stderr });
        return (exit, stdout.ToString(), stderr.ToString());
    }

    private static string Host(string name) => Repo.Data("hosts", name);
}
