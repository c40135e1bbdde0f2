using Kdumpd.Core.Dumps;
using Kdumpd.Core.Dumps.Printk;
using Kdumpd.Core.Elf;

namespace Kdumpd.Core.Triage;

/// <summary>
/// Answers "what killed the kernel" for one file: a vmcore in any format kdumpd reads (its dmesg
/// read from the printk buffer inside it) or a kernel log text. Never throws for bad input: a
/// file that cannot be read gives a result with a reason and no title.
/// </summary>
public static class CrashTriage
{
    public static TriageResult Run(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        byte[] head = new byte[16];
        int got;
        try
        {
            using var file = File.OpenRead(path);
            got = file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Failed(path, "unknown", $"{path}: cannot open: {e.Message}");
        }

        return IsDump(head.AsSpan(0, got)) ? FromVmcore(path) : FromText(path);
    }

    public static TriageResult FromText(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            var buffer = new byte[Math.Min(stream.Length, KernelLogText.MaxBytes)];
            var n = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
            var text = KernelLogText.Decode(buffer.AsSpan(0, n));
            var reason = stream.Length > KernelLogText.MaxBytes ? $"{path}: only the first {KernelLogText.MaxBytes} bytes were read" : null;
            return From(path, "dmesg", text, null, null, reason);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Failed(path, "dmesg", $"{path}: cannot read: {e.Message}");
        }
    }

    public static TriageResult FromVmcore(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string? release = null;
        try
        {
            release = DumpProbe.Probe(path).KernelRelease;
        }
        catch (InvalidFormatException)
        {
            // The extraction below names the problem.
        }

        var dmesg = VmcoreDmesg.Extract(path);
        if (dmesg.Text is null)
        {
            return Failed(path, "vmcore", dmesg.Problem ?? "no dmesg could be read") with { KernelRelease = release };
        }

        return From(path, "vmcore", dmesg.Text, release, dmesg.Layout?.ToString().ToLowerInvariant(), dmesg.Problem);
    }

    /// <summary>Titles a log already in hand (the catalogue's dmesg.txt, a capture's extracted text).</summary>
    public static TriageResult From(string path, string input, string text, string? release, string? layout, string? reason)
    {
        ArgumentNullException.ThrowIfNull(text);
        var report = DmesgAnalyzer.Analyze(text);
        release ??= KernelRelease(text);
        return new TriageResult(path, input, report.Title, report.Signature, report.Kind, report.Function, report.PanicLine, report.LineNumber,
            report.CallTrace, release, layout, reason, report.Uncertain)
        { Dmesg = text };
    }

    private static TriageResult Failed(string path, string input, string reason) =>
        new(path, input, null, null, null, null, null, null, [], null, null, reason, null);

    private static bool IsDump(ReadOnlySpan<byte> head) =>
        ElfFileHeader.HasSignature(head) || KdumpCompressedReader.HasSignature(head) || FlattenedView.HasSignature(head);

    /// <summary>"Linux version 6.1.0-25-amd64 (...)" from the first lines of a boot log.</summary>
    private static string? KernelRelease(string text)
    {
        const string Marker = "Linux version ";
        var at = text.IndexOf(Marker, StringComparison.Ordinal);
        if (at < 0 || at > 4096)
        {
            return null;
        }

        var start = at + Marker.Length;
        var end = text.IndexOfAny([' ', '\n'], start);
        return end > start ? text[start..end] : null;
    }
}
