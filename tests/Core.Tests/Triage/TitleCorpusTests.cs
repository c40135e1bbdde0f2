using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using Kdumpd.Core.Triage;

namespace Kdumpd.Core.Tests.Triage;

/// <summary>
/// Two labelled corpora: tests/data/oops (NAME.log with NAME.title; an empty title means "no
/// crash in this log") with every kind of prefix and encoding, and syzkaller's labelled reports
/// (tests/data/oops-syzkaller, see its README) where the agreement must stay above a floor, on
/// the held-out fifth and on the whole.
/// </summary>
public sealed class TitleCorpusTests
{
    /// <summary>Agreement floors (percent). Raise them when the rules improve; a drop below fails.</summary>
    private const double WholeFloor = 97.0;
    private const double HeldOutFloor = 95.0;

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var log in Directory.EnumerateFiles(Path.Combine(Fixtures.DataDirectory, "oops"), "*.log").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileNameWithoutExtension(log));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Labelled_oops_log_gets_its_title(string name)
    {
        var dir = Path.Combine(Fixtures.DataDirectory, "oops");
        var expected = File.ReadAllText(Path.Combine(dir, name + ".title")).Trim();

        var report = DmesgAnalyzer.AnalyzeFile(Path.Combine(dir, name + ".log"));

        report.Title.Should().Be(expected.Length == 0 ? null : expected);
        if (report.Title is not null)
        {
            report.Signature.Should().Be(CrashSignature.Of(expected));
            report.PanicLine.Should().NotBeNull();
        }
    }

    [Fact]
    public void Titles_agree_with_syzkallers_labels_on_the_held_out_part_and_on_the_whole()
    {
        var cases = SyzkallerCorpus().ToList();
        var whole = Score(cases);
        var heldOut = Score(cases.Where(c => c.HeldOut));

        var report = $"whole {whole.Agree}/{whole.Total} = {whole.Percent:F1} %\nheld-out {heldOut.Agree}/{heldOut.Total} = {heldOut.Percent:F1} %\n{whole.Misses}";
        var output = Environment.GetEnvironmentVariable("KDUMPD_TITLE_REPORT");
        if (!string.IsNullOrEmpty(output))
        {
            File.WriteAllText(output, report);
        }

        cases.Count(c => c.Expected is null).Should().BeGreaterThan(20, "the corpus has logs without a crash");
        heldOut.Total.Should().BeGreaterThan(80);
        whole.Percent.Should().BeGreaterThanOrEqualTo(WholeFloor, report);
        heldOut.Percent.Should().BeGreaterThanOrEqualTo(HeldOutFloor, report);
    }

    [Fact]
    public void Logs_without_a_crash_in_syzkallers_corpus_get_no_title()
    {
        var wrong = SyzkallerCorpus().Where(c => c.Expected is null)
            .Select(c => (c.Name, Title: DmesgAnalyzer.Analyze(c.Log).Title))
            .Where(c => c.Title is not null)
            .Select(c => $"{c.Name}: {c.Title}")
            .ToList();

        wrong.Should().BeEmpty();
    }

    private sealed record Case(string Name, string? Expected, string Log, bool HeldOut);

    private sealed record Scored(int Agree, int Total, string Misses)
    {
        public double Percent => 100.0 * Agree / Math.Max(1, Total);
    }

    private static Scored Score(IEnumerable<Case> cases)
    {
        int total = 0, agree = 0;
        var misses = new StringBuilder();
        foreach (var c in cases)
        {
            var got = DmesgAnalyzer.Analyze(c.Log).Title;
            total++;
            if (SameTitle(c.Expected, got))
            {
                agree++;
            }
            else
            {
                misses.Append(c.Name).Append(c.HeldOut ? "*" : string.Empty).Append('\t').Append(c.Expected ?? "(none)").Append('\t').Append(got ?? "(none)").Append('\n');
            }
        }

        return new Scored(agree, total, misses.ToString());
    }

    /// <summary>The labelled reports, CORRUPTED ones and syzkaller's own tool failures left out; one in five (by a hash of the name) held out.</summary>
    private static IEnumerable<Case> SyzkallerCorpus()
    {
        using var file = File.OpenRead(Path.Combine(Fixtures.DataDirectory, "oops-syzkaller", "report.tar.gz"));
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var tar = new TarReader(gzip);
        var cases = new List<Case>();
        while (tar.GetNextEntry() is { } entry)
        {
            if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile) || entry.DataStream is null)
            {
                continue;
            }

            using var buffer = new MemoryStream();
            entry.DataStream.CopyTo(buffer);
            var text = KernelLogText.Decode(buffer.ToArray());
            var split = text.StartsWith('\n') ? -1 : text.IndexOf("\n\n", StringComparison.Ordinal);
            var header = split < 0 ? [] : text[..split].Split('\n');
            if (header.Any(h => h.StartsWith("CORRUPTED: Y", StringComparison.Ordinal)) || !header.All(h => h.Length == 0 || h.Contains(':', StringComparison.Ordinal)))
            {
                continue;
            }

            var expected = header.FirstOrDefault(h => h.StartsWith("TITLE: ", StringComparison.Ordinal))?["TITLE: ".Length..].Trim() is { Length: > 0 } t ? t : null;
            if (expected is not null && _toolFailures.Any(t => expected.StartsWith(t, StringComparison.Ordinal)))
            {
                continue;
            }

            var name = Path.GetFileName(entry.Name);
            cases.Add(new Case(name, expected, text[(split < 0 ? 1 : split + 2)..], SHA256.HashData(Encoding.UTF8.GetBytes(name))[0] % 5 == 0));
        }

        return cases.OrderBy(c => c.Name, StringComparer.Ordinal);
    }

    /// <summary>Titles of syzkaller's own failures (its executor, its Go tools, its VM, Android's trusty firmware): not kernel reports.</summary>
    private static readonly string[] _toolFailures = ["SYZFAIL:", "SYZFATAL:", "go runtime error", "unexpected kernel reboot", "trusty:"];

    /// <summary>syzkaller spells two kinds differently from kdumpd (bare panics, soft lockups); the rest must match exactly.</summary>
    private static bool SameTitle(string? expected, string? got)
    {
        if (expected == got)
        {
            return true;
        }

        if (expected is null || got is null)
        {
            return false;
        }

        static string Canon(string t) => t
            .Replace("Kernel panic - not syncing: ", "kernel panic: ", StringComparison.Ordinal)
            .Replace("watchdog: BUG: soft lockup", "BUG: soft lockup", StringComparison.Ordinal)
            .Replace("watchdog: Watchdog detected hard LOCKUP", "BUG: hard lockup", StringComparison.Ordinal);
        return Canon(expected) == Canon(got);
    }
}
