using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Kdumpd.Daemon.Tests.Deploy;

/// <summary>The shipped unit is checked by systemd's own analyzer, offline, in a scratch root.</summary>
public sealed partial class SystemdUnitTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("kdumpd-unit-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Unit_passes_systemd_analyze_verify()
    {
        var unit = StageUnit();

        var (code, output) = Run("systemd-analyze", $"verify --root={_root} {unit}");

        code.Should().Be(0, output);
        output.Should().NotContainAny("Unknown key", "Unknown section", "Failed to parse");
    }

    [Fact]
    public void Unit_sandbox_exposure_is_at_most_3_5_of_10()
    {
        var unit = StageUnit();

        var (code, output) = Run("systemd-analyze", $"security --offline=true --root={_root} {unit}");

        code.Should().Be(0, output);
        var match = ExposureLine().Match(output);
        match.Success.Should().BeTrue(output);
        var exposure = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        TestContext.Current.SendDiagnosticMessage($"systemd-analyze security exposure: {exposure}");
        exposure.Should().BeLessThanOrEqualTo(3.5, "kdumpd is sandboxed as far as kexec allows (3.5 before kcore and kallsyms were let through)");
    }

    [Fact]
    public void Unit_lets_the_plan_read_kcore_and_kallsyms_and_keeps_tunables_read_only()
    {
        var unit = File.ReadAllLines(Path.Join(Repo.Root, "deploy/systemd/kdumpd.service"));

        // ProtectKernelTunables=yes makes /proc/kcore and /proc/kallsyms inaccessible (systemd.exec(5)).
        unit.Should().Contain("ProtectKernelTunables=no");
        var readOnly = unit.Single(l => l.StartsWith("ReadOnlyPaths=/proc/sys", StringComparison.Ordinal));
        readOnly.Should().Contain("/sys ").And.Contain("/proc/sysrq-trigger");
        unit.Should().NotContain(l => l.StartsWith("InaccessiblePaths=", StringComparison.Ordinal) && (l.Contains("kcore", StringComparison.Ordinal) || l.Contains("kallsyms", StringComparison.Ordinal)));
        unit.Should().NotContain("Before=basic.target shutdown.target", "READY waits for the first load, so the unit must not hold up basic.target");
    }

    private string StageUnit()
    {
        if (!new[] { "/usr/bin/systemd-analyze", "/bin/systemd-analyze" }.Any(File.Exists))
        {
            Assert.Skip("systemd-analyze is not installed (Debian: apt-get install systemd): the unit cannot be checked by systemd's own analyzer");
        }

        Directory.CreateDirectory(Path.Join(_root, "usr/sbin"));
        Directory.CreateDirectory(Path.Join(_root, "bin"));
        var exe = Path.Join(_root, "usr/sbin/kdumpd");
        File.WriteAllText(exe, "#!/bin/sh\n");
        File.SetUnixFileMode(exe, (UnixFileMode)0b111_101_101);
        File.Copy("/bin/kill", Path.Join(_root, "bin/kill"));
        var dir = Path.Join(_root, "etc/systemd/system");
        Directory.CreateDirectory(dir);
        var unit = Path.Join(dir, "kdumpd.service");
        File.Copy(Path.Join(Repo.Root, "deploy/systemd/kdumpd.service"), unit);
        return unit;
    }

    private static (int Code, string Output) Run(string file, string arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    [GeneratedRegex(@"Overall exposure level for \S+: ([0-9.]+)")]
    private static partial Regex ExposureLine();
}
