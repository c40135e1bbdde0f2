using Kdumpd.Core.Catalog;

namespace Kdumpd.Core.Capture;

/// <summary>Which program writes the vmcore.</summary>
public enum CollectorKind
{
    /// <summary>makedumpfile when it is on PATH, else the built-in writer.</summary>
    Auto,
    Makedumpfile,
    Builtin,
}

/// <summary>What the capture kernel does once the dump is saved (or could not be).</summary>
public enum FinalAction
{
    Reboot,
    Poweroff,
    Stay,
}

/// <summary>One capture: where from, where to, how, and what then.</summary>
public sealed record CaptureOptions
{
    public const string ProcVmcore = "/proc/vmcore";

    /// <summary>
    /// makedumpfile's default here: zlib-compressed kdump format, dump level 31 (all excludable
    /// pages), as Debian's kdump-tools. zlib makes the dump about a quarter smaller than LZO
    /// (<c>-l</c>) for about seven times the CPU; a fleet ships every dump, so size wins by
    /// default, and <c>-l</c> is one setting away where the capture's minutes matter more.
    /// </summary>
    public static readonly IReadOnlyList<string> DefaultMakedumpfileArguments = ["-c", "-d", "31"];

    public string VmcorePath { get; init; } = ProcVmcore;

    public string DumpDirectory { get; init; } = DumpCatalog.DefaultDumpDirectory;

    public CollectorKind Collector { get; init; } = CollectorKind.Auto;

    public IReadOnlyList<string> MakedumpfileArguments { get; init; } = DefaultMakedumpfileArguments;

    /// <summary>The host name for the directory name; null = the machine name.</summary>
    public string? Hostname { get; init; }

    /// <summary>The generation in force at the crash; null = from kdumpd.generation=N on the command line, if any.</summary>
    public long? Generation { get; init; }

    public FinalAction FinalAction { get; init; } = FinalAction.Stay;

    /// <summary>Builtin writer read/write unit; large so the copy runs at disk speed.</summary>
    public int BufferBytes { get; init; } = 4 << 20;
}

/// <summary>What a capture left on disk.</summary>
public sealed record CaptureResult(string Directory, string? VmcorePath, bool Complete, string? IncompleteReason, CaptureMetadata Metadata);
