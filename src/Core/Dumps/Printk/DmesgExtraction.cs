namespace Kdumpd.Core.Dumps.Printk;

/// <summary>Which printk buffer layout a dmesg was read from.</summary>
public enum PrintkLayout
{
    /// <summary>The lockless ring buffer of 5.10 and later (`prb`).</summary>
    Lockless,

    /// <summary>The variable-length records of 3.5..5.9 (`log_buf`, struct printk_log).</summary>
    Records,

    /// <summary>The plain character ring of kernels before 3.5 (`log_buf`, `log_end`).</summary>
    Characters,
}

/// <summary>
/// The kernel log read from a vmcore: the text (as makedumpfile --dump-dmesg writes it) and,
/// when not all of it could be read, why. Text null with a reason: nothing could be read.
/// </summary>
public sealed record DmesgExtraction(string? Text, PrintkLayout? Layout, int Records, string? Problem, int PagesRead)
{
    public static DmesgExtraction Failed(string problem, int pagesRead = 0) => new(null, null, 0, problem, pagesRead);
}
