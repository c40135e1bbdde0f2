using Kdumpd.Core.Host;
using Kdumpd.Core.Reload;

namespace Kdumpd.Core.Tests.Reload;

public sealed class KexecLoadBudgetTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("kdumpd-budget-").FullName;

    [Fact]
    public void A_6_1_kernel_has_no_load_limit()
    {
        var repo = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(repo.FullName, "Daemon.sln")))
        {
            repo = repo.Parent!;
        }

        KexecLoadBudget.Read(new HostRoot(Path.Combine(repo.FullName, "tests", "data", "hosts", "qemu-6.1-1g-ck256-loaded"))).Should().BeNull();
    }

    [Theory]
    [InlineData("-1\n", null)]
    [InlineData("0\n", 0)]
    [InlineData("5\n", 5)]
    public void The_sysctl_reads_as_the_loads_left(string text, int? expected)
    {
        Write(text);

        KexecLoadBudget.Read(new HostRoot(_root)).Should().Be(expected);
    }

    [Fact]
    public void A_garbled_sysctl_names_the_file()
    {
        Write("lots\n");

        var read = () => KexecLoadBudget.Read(new HostRoot(_root));

        read.Should().Throw<HostFileException>().WithMessage("*kexec_load_limit_panic*lots*");
    }

    private void Write(string text)
    {
        var path = Path.Join(_root, KexecLoadBudget.PanicLimitPath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
