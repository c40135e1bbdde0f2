namespace Kdumpd.Core.Triage;

/// <summary>
/// Why the kernel died, from its log: the normalized title (null when the log shows no crash),
/// its signature, the line that reported it and the call trace after it. When a title could be
/// formed only partly (no usable frame), <see cref="Uncertain"/> says why.
/// </summary>
public sealed record PanicReport(string? PanicLine, int? LineNumber, IReadOnlyList<string> CallTrace, string? Title, string? Kind, string? Function, string? Uncertain)
{
    public static PanicReport None { get; } = new(null, null, [], null, null, null, null);

    /// <summary>One line for tables: the reporting line without its printk prefix.</summary>
    public string? Summary => PanicLine;

    public string? Signature => Title is null ? null : CrashSignature.Of(Title);
}

/// <summary>
/// Reads a dmesg text (makedumpfile --dump-dmesg, vmcore-dmesg, dmesg, syslog, journal; any
/// encoding) and names the crash in it with <see cref="CrashTitler"/>. Reads at most
/// <see cref="KernelLogText.MaxBytes"/>.
/// </summary>
public static class DmesgAnalyzer
{
    public const int MaxTraceLines = 64;

    public static PanicReport AnalyzeFile(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        return AnalyzeStream(stream);
    }

    /// <summary>Reads at most <see cref="KernelLogText.MaxBytes"/> of a dmesg opened by the caller (a confined file).</summary>
    public static PanicReport AnalyzeStream(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var buffer = new byte[Math.Min(stream.Length, KernelLogText.MaxBytes)];
        var n = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        return Analyze(KernelLogText.Decode(buffer.AsSpan(0, n)));
    }

    public static PanicReport Analyze(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return CrashTitler.Analyze(KernelLogText.Read(text));
    }
}
