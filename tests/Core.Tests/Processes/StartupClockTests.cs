using System.Diagnostics;
using Kdumpd.Core.Processes;

namespace Kdumpd.Core.Tests.Processes;

public class StartupClockTests
{
    [Fact]
    public void Cpu_time_moves_with_this_process_work()
    {
        var before = StartupClock.CpuTime();
        before.Should().NotBeNull();
        before!.Value.Should().BePositive("the test host has run");

        // Work until the kernel has charged some of it (bounded, so that a clock that never moves fails).
        var spin = Stopwatch.StartNew();
        var sum = 0L;
        while (StartupClock.CpuTime() <= before && spin.Elapsed < TimeSpan.FromSeconds(10))
        {
            for (var i = 0; i < 100_000; i++)
            {
                sum += (sum % 7) + 1;
            }
        }

        GC.KeepAlive(sum);
        StartupClock.CpuTime().Should().BeGreaterThan(before.Value);
    }

    [Fact]
    public void The_fork_to_main_time_is_known_once_main_is_marked()
    {
        StartupClock.MarkMain();

        StartupClock.ForkToMain().Should().NotBeNull().And.BeGreaterThanOrEqualTo(TimeSpan.Zero);
        StartupClock.CpuBeforeMain.Should().NotBeNull().And.BeGreaterThan(TimeSpan.Zero, "the test host ran before this test");
    }
}
