using System.Globalization;
using System.Text;

namespace Kdumpd.Core.Planning;

/// <summary>What to take out of and put into the running command line for the capture kernel.</summary>
public sealed record CaptureCommandLineOptions
{
    /// <summary>
    /// Parameters that must not reach the capture kernel: the reservation itself, the panic policy, memory and
    /// CPU sizing meant for the whole machine, and elfcorehdr= (the kernel or kexec-tools adds the right one).
    /// </summary>
    public static IReadOnlyList<string> DefaultRemove { get; } =
    [
        "crashkernel", "panic", "hugepages", "hugepagesz", "default_hugepagesz", "hugetlb_cma", "cma",
        "nr_cpus", "maxcpus", "kexec_jump_back_entry", "elfcorehdr",
    ];

    /// <summary>
    /// Always added: one CPU, quiet legacy interrupts, devices reset by their drivers, and no ACPI memory
    /// hotplug (measured: without it a capture kernel adopts the crashed kernel's hot-added RAM and reading
    /// it from /proc/vmcore fails).
    /// A capture kernel that panics reboots after 10 s (panic= of the running system is removed: it is the
    /// crashed system's policy, and without any a capture kernel that panics hangs for ever).
    /// lockdown=confidentiality turns tracing off: a 6.1 kernel otherwise gives ~8.5 MiB of its boot memory to
    /// tracefs (a dentry and an inode for every trace event's files), which at crashkernel=96M is what the
    /// initrd needs to unpack (measured: out of memory without it, a complete dump with it; docs/capture-initrd.md).
    /// It also refuses unsigned modules, which the initrd builder reports; an operator's lockdown=none replaces it.
    /// </summary>
    public static IReadOnlyList<string> DefaultRequired { get; } = ["irqpoll", "nr_cpus=1", "reset_devices", "acpi_no_memhotplug", "panic=10", "lockdown=confidentiality"];

    public IReadOnlyList<string> Remove { get; init; } = DefaultRemove;

    public IReadOnlyList<string> Required { get; init; } = DefaultRequired;

    /// <summary>Operator extras (config or --append), appended after the required parameters.</summary>
    public IReadOnlyList<string> Extras { get; init; } = [];
}

/// <summary>
/// Builds the capture kernel's command line from the running one. The marker <c>kdumpd.capture=1</c> (and
/// <c>kdumpd.generation=N</c>) tells kdumpd it runs in the capture kernel; dotted names are module-style
/// parameters the kernel ignores, so they reach neither the kernel nor init's environment.
/// </summary>
public static class CaptureCommandLine
{
    /// <summary>COMMAND_LINE_SIZE of x86 and arm64 (2048 bytes, NUL included): a longer line is refused by kexec.</summary>
    public const int KernelLimit = 2048;

    public const string CaptureMarker = "kdumpd.capture";
    public const string GenerationMarker = "kdumpd.generation";

    /// <summary>The running command line rewritten for the capture kernel (without the generation marker).</summary>
    public static string Build(string running, CaptureCommandLineOptions options)
    {
        ArgumentNullException.ThrowIfNull(running);
        ArgumentNullException.ThrowIfNull(options);
        var parsed = KernelCommandLine.Parse(running);
        // An operator's extra (panic=1) replaces a required default of the same name (panic=10).
        var extras = options.Extras.SelectMany(extra => KernelCommandLine.Parse(extra).Parameters).ToList();
        var additions = options.Required
            .SelectMany(required => KernelCommandLine.Parse(required).Parameters)
            .Where(r => !extras.Any(e => e.Value is not null && r.Value is not null && KernelParameter.NormalizeName(e.Name) == KernelParameter.NormalizeName(r.Name)))
            .Concat(extras)
            .Append(new KernelParameter($"{CaptureMarker}=1", CaptureMarker, "1"))
            .ToList();

        var removed = options.Remove
            .Append(CaptureMarker)
            .Append(GenerationMarker)
            .Append("elfcorehdr")
            .Concat(options.Required.SelectMany(r => KernelCommandLine.Parse(r).Parameters).Select(p => p.Name))
            .Select(KernelParameter.NormalizeName)
            .ToHashSet(StringComparer.Ordinal);
        var additionRaw = additions.Select(a => a.Raw).ToHashSet(StringComparer.Ordinal);

        var kept = parsed.Parameters
            .Where(p => !removed.Contains(KernelParameter.NormalizeName(p.Name)) && !additionRaw.Contains(p.Raw))
            .ToList();

        var line = new KernelCommandLine([.. kept, .. additions], parsed.InitArguments).Format();
        Validate(line);
        return line;
    }

    /// <summary>Adds kdumpd.generation=N before any "--" (replacing an earlier one), keeping init's arguments last.</summary>
    public static string WithGeneration(string commandLine, int generation)
    {
        var parsed = KernelCommandLine.Parse(commandLine);
        var marker = string.Create(CultureInfo.InvariantCulture, $"{GenerationMarker}={generation}");
        var parameters = parsed.Parameters.Where(p => !p.Is(GenerationMarker))
            .Append(new KernelParameter(marker, GenerationMarker, generation.ToString(CultureInfo.InvariantCulture)));
        var line = new KernelCommandLine([.. parameters], parsed.InitArguments).Format();
        Validate(line);
        return line;
    }

    /// <summary>The generation number a capture kernel's /proc/cmdline names, or null.</summary>
    public static int? GenerationOf(string commandLine)
    {
        var value = KernelCommandLine.Parse(commandLine).Parameters.LastOrDefault(p => p.Is(GenerationMarker))?.Value;
        return int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;
    }

    /// <summary>The command line of a kernel kdumpd loaded: its marker (any value) or a generation number.</summary>
    public static bool IsCaptureKernel(string commandLine) =>
        KernelCommandLine.Parse(commandLine).Parameters.Any(p => p.Is(CaptureMarker) || p.Is(GenerationMarker));

    private static void Validate(string line)
    {
        var bytes = Encoding.UTF8.GetByteCount(line) + 1;
        if (bytes > KernelLimit)
        {
            throw new CaptureCommandLineException(line, $"the capture command line is {bytes} bytes with its NUL, the kernel accepts at most {KernelLimit}; shorten the running command line or the extras");
        }

        if (line.Contains('\0', StringComparison.Ordinal))
        {
            throw new CaptureCommandLineException(line, "the capture command line contains a NUL byte");
        }
    }
}

/// <summary>A capture command line the kernel would refuse; names the line and the problem.</summary>
public sealed class CaptureCommandLineException(string commandLine, string problem) : Exception(problem)
{
    public string CommandLine { get; } = commandLine;
}
