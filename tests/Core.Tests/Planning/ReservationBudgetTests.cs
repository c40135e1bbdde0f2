using Kdumpd.Core.Planning;

namespace Kdumpd.Core.Tests.Planning;

/// <summary>
/// The budget against what really happened in QEMU (docs/capture-initrd.md, "Measured"): Debian's 6.1 kernel
/// (init_size 66 682 880 B) with kdumpd's capture initrd as it was measured (5 246 096 B gzip, 12 213 872 B
/// unpacked), tests/e2e capture-initrd with E2E_INITRD_FORCE=1.
/// </summary>
public sealed class ReservationBudgetTests
{
    private const ulong Kernel = 66_682_880;
    private const ulong Initrd = 5_246_096 + 12_213_872;

    private static ReservationBudget Measured(ulong crashkernelMiB) => ReservationBudget.Unplanned(crashkernelMiB << 20, Kernel, Initrd);

    [Fact]
    public void The_smallest_crashkernel_that_saved_a_complete_dump_is_armed()
    {
        Measured(96).Fits.Should().BeTrue(Measured(96).Summary);
    }

    [Fact]
    public void The_largest_crashkernel_that_ran_out_of_memory_is_refused()
    {
        Measured(84).Fits.Should().BeFalse(Measured(84).Summary);
    }

    [Fact]
    public void The_named_minimum_is_within_15_percent_of_the_smallest_size_that_worked()
    {
        var needed = Measured(96).Needed;

        needed.Should().BeLessThanOrEqualTo(96UL << 20).And.BeGreaterThan((ulong)(96UL << 20) * 100 / 115);
    }

    [Fact]
    public void A_capture_command_line_that_keeps_tracing_on_needs_the_memory_tracefs_takes()
    {
        var defaults = string.Join(' ', CaptureCommandLineOptions.DefaultRequired);
        var tracing = defaults + " lockdown=none";

        ReservationBudget.WorkingMemoryFor(defaults).Should().Be(ReservationBudget.DefaultWorkingMemory, "the default line has lockdown=confidentiality");
        ReservationBudget.WorkingMemoryFor(tracing).Should().Be(ReservationBudget.DefaultWorkingMemory + ReservationBudget.TracingMemory, "the last lockdown= wins");
        ReservationBudget.Unplanned(96UL << 20, Kernel, Initrd, tracing).Fits.Should().BeFalse("96M without lockdown ran out of memory unpacking the initrd");
        ReservationBudget.Unplanned(96UL << 20, Kernel, Initrd, defaults).Fits.Should().BeTrue();
    }
}
