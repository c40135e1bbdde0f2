namespace Kdumpd.Core.Planning;

/// <summary>The capture kernel's command line, derived from the running one.</summary>
public static class CaptureCommandLine
{
    /// <summary>
    /// Always added. acpi_no_memhotplug: measured, without it a capture kernel adopts the crashed
    /// kernel's hot-added RAM and reading that range from /proc/vmcore fails.
    /// </summary>
    public static IReadOnlyList<string> Required { get; } = ["irqpoll", "nr_cpus=1", "reset_devices", "acpi_no_memhotplug"];

    /// <summary>Parameters that make no sense (or harm) inside a reservation of a few hundred MiB.</summary>
    private static readonly string[] _dropped = ["crashkernel", "nr_cpus", "maxcpus", "hugepages", "hugepagesz", "default_hugepagesz", "cma", "hugetlb_cma", "elfcorehdr"];

    public static string Derive(string? running)
    {
        var kept = new List<string>();
        var words = (running ?? string.Empty).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

        // Everything after "--" belongs to init, not to the kernel: the capture switches go before it.
        var initArgs = Array.IndexOf(words, "--");
        var kernelWords = initArgs < 0 ? words : words[..initArgs];
        foreach (var word in kernelWords)
        {
            var key = word.Split('=', 2)[0];
            if (!_dropped.Contains(key, StringComparer.Ordinal) && !Required.Contains(word, StringComparer.Ordinal))
            {
                kept.Add(word);
            }
        }

        kept.AddRange(Required);
        if (initArgs >= 0)
        {
            kept.AddRange(words[initArgs..]);
        }

        return string.Join(' ', kept);
    }
}
