using System.Globalization;
using System.Text;
using System.Text.Json.Serialization;
using Kdumpd.Core.Catalog;
using Kdumpd.Core.Egress;

using Kdumpd.Core.Units;

namespace Kdumpd.Daemon.Cli;

/// <summary>Text and JSON renderings of catalogue rows for the `dumps` verbs.</summary>
public static class DumpsOutput
{
    private static readonly string[] _groupHeadings = ["SIGNATURE", "COUNT", "FIRST SEEN", "LAST SEEN", "KERNELS", "TITLE"];
    private static readonly string[] _headings = ["ID", "CRASH TIME", "KERNEL", "FORMAT", "SIZE", "STATE", "EGRESS", "CRASH"];

    /// <summary>snake_case, indented, enums as snake_case strings; source-generated (NativeAOT).</summary>
    public static DumpsJsonContext Json => DumpsJsonContext.Default;

    /// <summary>A compact table like `coredumpctl list`; EGRESS is each target's state (uploading shows its percentage).</summary>
    public static string Table(IReadOnlyList<DumpRecord> dumps, IReadOnlyDictionary<string, IReadOnlyList<EgressStatus>>? egress = null)
    {
        var rows = new List<string[]> { _headings };
        rows.AddRange(dumps.Select(d => new[]
        {
            d.Id,
            d.CrashTime?.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture) ?? "-",
            d.KernelRelease ?? "-",
            d.Format is null ? "-" : d.Compression is null or "none" ? d.Format : $"{d.Format}/{d.Compression}",
            d.FileSize is { } s ? ByteSize.Format(s, compact: true) : "-",
            State(d),
            Egress(egress?.GetValueOrDefault(d.Id)),
            Truncate(d.Title ?? d.PanicSummary ?? "-", 70),
        }));
        var widths = Enumerable.Range(0, _headings.Length).Select(i => rows.Max(r => r[i].Length)).ToArray();
        var text = new StringBuilder();
        foreach (var row in rows)
        {
            text.AppendLine(string.Join("  ", row.Select((cell, i) => i == row.Length - 1 ? cell : cell.PadRight(widths[i]))).TrimEnd());
        }

        return text.ToString();
    }

    /// <summary>Crash groups: the same columns as GET /v1/groups.</summary>
    public static string GroupTable(IReadOnlyList<CrashGroup> groups)
    {
        ArgumentNullException.ThrowIfNull(groups);
        var rows = new List<string[]> { _groupHeadings };
        rows.AddRange(groups.Select(g => new[]
        {
            g.Signature,
            g.Count.ToString(CultureInfo.InvariantCulture),
            g.FirstSeen.UtcDateTime.ToString("yyyy-MM-dd HH:mm'Z'", CultureInfo.InvariantCulture),
            g.LastSeen.UtcDateTime.ToString("yyyy-MM-dd HH:mm'Z'", CultureInfo.InvariantCulture),
            g.KernelReleases.Count == 0 ? "-" : string.Join(",", g.KernelReleases),
            g.Title,
        }));
        var widths = Enumerable.Range(0, 6).Select(i => rows.Max(r => r[i].Length)).ToArray();
        var text = new StringBuilder();
        foreach (var row in rows)
        {
            text.AppendLine(string.Join("  ", row.Select((cell, i) => i == row.Length - 1 ? cell : cell.PadRight(widths[i]))).TrimEnd());
        }

        return text.ToString();
    }

    /// <summary>"s3:verified sftp:42%": one word per target the dump has a state on; "-" for none.</summary>
    public static string Egress(IReadOnlyList<EgressStatus>? states) =>
        states is not { Count: > 0 } ? "-"
        : string.Join(' ', states.Select(s => s.Target + ":" + (s.State == EgressState.Uploading && s.BytesTotal is > 0 and var total
            ? (100 * s.BytesDone / total).ToString(CultureInfo.InvariantCulture) + "%"
            : s.State.ToName())));

    /// <summary>Every field of one dump, one per line.</summary>
    public static string Details(DumpRecord d)
    {
        ArgumentNullException.ThrowIfNull(d);
        var text = new StringBuilder();
        void Line(string name, object? value) => text.Append(CultureInfo.InvariantCulture, $"{name,-18}{value ?? "-"}\n");
        Line("ID:", d.Id);
        Line("Directory:", d.Directory);
        Line("Layout:", d.Owned ? $"{d.Layout} (owned by kdumpd)" : $"{d.Layout} (foreign: never deleted by kdumpd)");
        Line("State:", State(d) + (d.IncompleteReason is null ? "" : $" ({d.IncompleteReason})"));
        Line("Crash time:", d.CrashTime?.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
        Line("Kernel:", d.KernelRelease);
        Line("Build ID:", d.BuildId);
        Line("Hostname:", d.Hostname);
        Line("CPUs:", d.CpuCount);
        Line("Format:", d.Format);
        Line("Compression:", d.Compression);
        Line("Dump level:", d.DumpLevel);
        Line("Vmcore:", d.VmcorePath);
        Line("Size:", d.FileSize is { } s ? $"{ByteSize.Format(s, compact: true)} ({s} bytes)" : null);
        Line("SHA-256:", d.Sha256 ?? (d.VmcorePath is null ? null : "(not computed yet)"));
        Line("Dmesg:", d.DmesgPath);
        Line("Generation:", d.Generation);
        Line("Covers plan:", d.CoversPlan);
        if (d.HeaderError is not null)
        {
            Line("Header error:", d.HeaderError);
        }

        Line("Crash:", d.Title);
        Line("Signature:", d.Signature);
        Line("Triage:", d.TriageNote);
        Line("Panic:", d.PanicSummary);
        foreach (var frame in d.CallTrace)
        {
            text.Append("                    ").Append(frame).Append('\n');
        }

        return text.ToString();
    }

    public static string State(DumpRecord d) => d.HeaderError is not null && d.Complete ? "unreadable" : d.Complete ? "complete" : "incomplete";

    private static string Truncate(string s, int max) => s.Length <= max ? s : s[..(max - 1)] + "…";
}

/// <summary>`kdumpd dumps rescan --json`: what the scan and the hashing did.</summary>
public sealed record DumpsRescanSummary(int Found, int Added, int Updated, int Unchanged, int Removed, int Unreadable, int Hashed);

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    WriteIndented = true,
    UseStringEnumConverter = true)]
[JsonSerializable(typeof(DumpRecord))]
[JsonSerializable(typeof(IReadOnlyList<DumpRecord>))]
[JsonSerializable(typeof(DumpsRescanSummary))]
[JsonSerializable(typeof(IReadOnlyList<CrashGroup>))]
public sealed partial class DumpsJsonContext : JsonSerializerContext;
