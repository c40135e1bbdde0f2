using System.Text;
using Kdumpd.Core.Triage;

namespace Kdumpd.Core.Tests.Triage;

/// <summary>
/// The labelled oops corpus in tests/data/oops (NAME.log with NAME.title; an empty title means
/// "no crash in this log"): every kind of report, with timestamps, caller ids, syslog, journal
/// and dmesg -x prefixes. A second, larger corpus in syzkaller's testdata layout ("TITLE: ..."
/// header, blank line, log) is measured when KDUMPD_TITLE_CORPUS points at it.
/// </summary>
public sealed class TitleCorpusTests
{
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
    public void Agreement_on_the_external_corpus_is_measured_when_present()
    {
        var dir = Environment.GetEnvironmentVariable("KDUMPD_TITLE_CORPUS");
        if (string.IsNullOrEmpty(dir) || !Directory.Exists(dir))
        {
            Assert.Skip("KDUMPD_TITLE_CORPUS not set: the external (syzkaller-layout) corpus is measured only where it is checked out");
        }

        int total = 0, agree = 0;
        var misses = new StringBuilder();
        foreach (var file in Directory.EnumerateFiles(dir).Order(StringComparer.Ordinal))
        {
            var text = KernelLogText.Decode(File.ReadAllBytes(file));
            var split = text.IndexOf("\n\n", StringComparison.Ordinal);
            if (split < 0)
            {
                continue;
            }

            var header = text[..split].Split('\n');
            if (header.Any(h => h.StartsWith("CORRUPTED: Y", StringComparison.Ordinal)) || !header.All(h => h.Length == 0 || h.Contains(':', StringComparison.Ordinal)))
            {
                continue;
            }

            var expected = header.FirstOrDefault(h => h.StartsWith("TITLE: ", StringComparison.Ordinal))?["TITLE: ".Length..].Trim();
            var got = DmesgAnalyzer.Analyze(text[(split + 2)..]).Title;
            total++;
            if (SameTitle(expected, got))
            {
                agree++;
            }
            else
            {
                misses.Append(Path.GetFileName(file)).Append('\t').Append(expected ?? "(none)").Append('\t').Append(got ?? "(none)").Append('\n');
            }
        }

        var report = $"agreement {agree}/{total} = {100.0 * agree / Math.Max(1, total):F1} %\n{misses}";
        var output = Environment.GetEnvironmentVariable("KDUMPD_TITLE_REPORT");
        if (!string.IsNullOrEmpty(output))
        {
            File.WriteAllText(output, report);
        }

        total.Should().BeGreaterThan(0);
    }

    /// <summary>syzkaller's titles differ from kdumpd's in two documented spellings (bare panics, soft lockups); the rest must match exactly.</summary>
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
            .Replace("watchdog: BUG: soft lockup", "BUG: soft lockup", StringComparison.Ordinal);
        return Canon(expected) == Canon(got);
    }
}
