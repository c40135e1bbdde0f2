using Kdumpd.Core.Host;

namespace Kdumpd.Core.Tests.Host;

public sealed class MemInfoTests
{
    [Fact]
    public void Reads_total_free_and_available_in_bytes_from_proc_meminfo()
    {
        var memory = MemInfo.Parse("MemTotal:        1014780 kB\nMemFree:          553432 kB\nMemAvailable:     778100 kB\nBuffers:           20876 kB\nHugePages_Total:       0\n");

        Assert.Equal(new MemInfo(1014780L * 1024, 553432L * 1024, 778100L * 1024), memory);
    }

    [Fact]
    public void A_kernel_without_MemAvailable_counts_free_memory_as_available()
    {
        Assert.Equal(new MemInfo(2048 * 1024, 1024 * 1024, 1024 * 1024), MemInfo.Parse("MemTotal: 2048 kB\nMemFree: 1024 kB\n"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("MemTotal: 2048 kB\n")]
    [InlineData("MemTotal: lots kB\nMemFree: 1024 kB\n")]
    public void Text_without_total_and_free_gives_nothing(string text) => Assert.Null(MemInfo.Parse(text));
}
