using Kdumpd.Core.Host;
using Kdumpd.Core.Reload;

namespace Kdumpd.Core.Tests.Reload;

public class CrashStateReaderTests
{
    [Theory]
    [InlineData("qemu-6.1-1g-ck256", false)]
    [InlineData("qemu-6.1-1g-ck256-loaded", true)]
    [InlineData("qemu-6.1-hotplug-after-online", true)]
    public async Task A_6_1_host_says_whether_a_crash_image_is_loaded_and_has_no_crash_hotplug(string tree, bool loaded)
    {
        var repo = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(repo.FullName, "Daemon.sln")))
        {
            repo = repo.Parent!;
        }

        var host = new HostRoot(Path.Combine(repo.FullName, "tests", "data", "hosts", tree));

        var state = await new CrashStateReader(host, TimeProvider.System).ReadAsync(TestContext.Current.CancellationToken);

        state.Should().Be(new CrashState(loaded, CrashHotplugSupport.None, null));
    }
}
