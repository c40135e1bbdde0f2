using Kdumpd.Core.Capture;
using Kdumpd.Core.Processes;

namespace Kdumpd.Core.Tests.Capture;

public sealed class MakedumpfileMessageTests
{
    // makedumpfile 1.7.2 writing into a 4 MiB tmpfs (stdout and stderr as it printed them, 2026-11-30);
    // the same shape reached kdumpd.json from the capture initrd in QEMU (capture-initrd-target-full).
    private const string FullDiskStdout =
        "The kernel version is not supported.\nThe makedumpfile operation may be incomplete.\n\n"
        + "Can't write the dump file(/mnt/target/x/vmcore-incomplete). No space left on device\n"
        + "This is an incomplete dumpfile, but might analyzable.\n\nmakedumpfile Failed.\n";

    private const string FullDiskStderr =
        "\rChecking for memory holes                         : [  0.0 %] /                  "
        + "\rChecking for memory holes                         : [100.0 %] |                  "
        + "\rExcluding unnecessary pages                       : [100.0 %] \\                  "
        + "\rCopying data                                      : [  5.9 %] \\           eta: 1s";

    [Fact]
    public void A_full_disk_is_reported_by_makedumpfiles_own_line_not_its_last_progress_bar()
    {
        var reason = MakedumpfileMessage.Reason(new ProcessResult(1, FullDiskStdout, FullDiskStderr, false, TimeSpan.FromSeconds(1)));

        reason.Should().Be("Can't write the dump file(/mnt/target/x/vmcore-incomplete). No space left on device");
    }

    [Fact]
    public void Without_a_failure_word_the_last_line_before_the_closing_failed_is_the_reason()
    {
        var reason = MakedumpfileMessage.Reason(new ProcessResult(1, "Dump_level is out of range.\n\nmakedumpfile Failed.\n", "", false, TimeSpan.Zero));

        reason.Should().Be("Dump_level is out of range.");
    }

    [Fact]
    public void A_collector_that_never_started_gives_the_start_error()
    {
        MakedumpfileMessage.Reason(new ProcessResult(null, "", "", false, TimeSpan.Zero, "No such file or directory")).Should().Be("No such file or directory");
    }

    [Fact]
    public void Progress_bars_alone_give_no_message_rather_than_a_bar()
    {
        MakedumpfileMessage.Reason(new ProcessResult(1, "", FullDiskStderr, false, TimeSpan.Zero)).Should().Be("no message");
    }
}
