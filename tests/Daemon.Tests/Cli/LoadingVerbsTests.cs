using System.Diagnostics;
using System.Text.Json;
using Kdumpd.Daemon.Cli;
using Microsoft.Data.Sqlite;

namespace Kdumpd.Daemon.Tests.Cli;

public sealed class LoadingVerbsTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("kdumpd-cli-").FullName;
    private readonly string _database;

    public LoadingVerbsTests()
    {
        Repo.CopyLoadableHost(_root);
        _database = Path.Join(_root, "state", "kdumpd.db");
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_root, recursive: true);
    }

    private async Task<(int Exit, string Out, string Err)> Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await CliRoot.RunAsync([.. args, "--host-root", _root, "--database", _database], output, error);
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task Load_dry_run_prints_the_generation_and_what_it_would_load()
    {
        var (exit, output, error) = await Run("load", "--loader", "dry-run", "--append", "panic=1");

        error.Should().BeEmpty();
        exit.Should().Be(0);
        output.Should().Contain("loaded generation 1 with dry-run (none)")
            .And.Contain("command line: console=ttyS0 irqpoll nr_cpus=1 reset_devices acpi_no_memhotplug lockdown=confidentiality panic=1 kdumpd.capture=1 kdumpd.generation=1")
            .And.Contain("/boot/vmlinuz-6.1.0-56-amd64")
            .And.Contain("crashkernel reserves 256 MiB");
    }

    [Fact]
    public async Task Load_takes_the_configuration_file_and_its_options_win_over_it()
    {
        var config = Path.Join(_root, "kdumpd.json");
        File.WriteAllText(config, """{ "Loader": { "Mode": "dry-run", "Append": "loglevel=7" }, "Database": "/nonexistent/ignored.db" }""");

        var (exit, output, error) = await Run("load", "--config", config);

        error.Should().BeEmpty();
        exit.Should().Be(0, "the file's dry-run loader is used and --database on the command line wins over the file's");
        output.Should().Contain("with dry-run").And.Contain("loglevel=7 kdumpd.capture=1");
        File.Exists(_database).Should().BeTrue();
    }

    [Fact]
    public async Task Load_with_a_bad_configuration_names_the_key()
    {
        var config = Path.Join(_root, "kdumpd.json");
        File.WriteAllText(config, """{ "Loader": { "Mode": "kexec" } }""");

        var (exit, _, error) = await Run("load", "--config", config);

        exit.Should().Be(1);
        error.Should().Contain("Loader:Mode: 'kexec'");
    }

    [Fact]
    public async Task Status_is_exit_3_and_says_why_when_nothing_is_loaded()
    {
        var (exit, output, _) = await Run("status");

        exit.Should().Be(StatusCommand.NotOperational);
        output.Should().Contain("panic kernel:      not loaded").And.Contain("reservation:       256 MiB").And.Contain("FAIL loaded: kexec_crash_loaded is 0");
    }

    [Fact]
    public async Task Status_is_exit_0_when_armed_with_the_right_thing()
    {
        // The kernel flag comes from the tree; a dry-run generation stands for kdumpd's own load.
        (await Run("load", "--loader", "dry-run")).Exit.Should().Be(0);
        File.WriteAllText(Path.Join(_root, "sys", "kernel", "kexec_crash_loaded"), "1\n");

        var (exit, output, _) = await Run("status");

        output.Should().Contain("ready:             yes");
        exit.Should().Be(0);
    }

    [Fact]
    public async Task A_load_that_cannot_fit_is_one_line_on_stderr_and_exit_1()
    {
        File.WriteAllText(Path.Join(_root, "sys", "kernel", "kexec_crash_size"), $"{16 * 1024 * 1024}\n");

        var (exit, output, error) = await Run("load", "--loader", "dry-run");

        exit.Should().Be(1);
        output.Should().BeEmpty();
        error.TrimEnd().Should().NotContain("\n");
        error.Should().StartWith("kdumpd load: generation 1 refused: refusing to load: crashkernel reserves 16 MiB, ").And.Contain(" needed (kernel ");
    }

    [Fact]
    public async Task An_unknown_loader_is_a_usage_error()
    {
        var (exit, _, error) = await Run("load", "--loader", "magic");

        exit.Should().Be(CliRoot.UsageError);
        error.Should().Contain("magic");
    }

    [Fact]
    public async Task Generations_written_by_one_process_are_read_by_a_fresh_one()
    {
        (await Run("load", "--loader", "dry-run")).Exit.Should().Be(0);
        SqliteConnection.ClearAllPools();

        var kdumpd = Path.Join(AppContext.BaseDirectory, "kdumpd.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { kdumpd, "status", "--format", "json", "--host-root", _root, "--database", _database })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = await process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);

        process.ExitCode.Should().Be(StatusCommand.NotOperational);
        using var json = JsonDocument.Parse(stdout);
        var active = json.RootElement.GetProperty("active_generation");
        active.GetProperty("number").GetInt32().Should().Be(1);
        active.GetProperty("loader").GetString().Should().Be("dry-run");
        active.GetProperty("kernel").GetProperty("sha256").GetString().Should().HaveLength(64);
        json.RootElement.GetProperty("kexec").GetProperty("crash_size_bytes").GetInt64().Should().Be(268435456);
    }

    [Fact]
    public async Task A_real_loader_refuses_a_host_tree_that_is_not_this_machine()
    {
        var (exit, _, error) = await Run("load", "--loader", "kexec-file");

        exit.Should().Be(1);
        error.Should().Contain("--loader kexec-file acts on this machine's kernel").And.Contain("--loader dry-run");
        File.Exists(_database).Should().BeFalse("nothing was attempted, so nothing is recorded");
    }

    [Fact]
    public async Task Unload_with_dry_run_is_recorded_as_a_generation()
    {
        (await Run("load", "--loader", "dry-run")).Exit.Should().Be(0);

        var (exit, output, _) = await Run("unload", "--loader", "dry-run");

        exit.Should().Be(0);
        output.Should().StartWith("unloaded the panic kernel (generation 2, dry-run)");
    }
}
