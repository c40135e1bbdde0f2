using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using Kdumpd.Core.Host;

namespace Kdumpd.Core.Tests;

/// <summary>Builds host snapshots from ranges, through the real iomem parser.</summary>
internal static class SyntheticHost
{
    /// <summary>
    /// <paramref name="ram"/> and <paramref name="crash"/> are [start, end) ranges; each crash range must lie
    /// inside one RAM range. CPUs get crash_notes at distinct addresses, like per-CPU areas.
    /// </summary>
    public static HostSnapshot Build(IReadOnlyList<(ulong Start, ulong End)> ram, IReadOnlyList<(ulong Start, ulong End)> crash, int cpus, bool vmcoreinfo = true, string release = "6.1.0-56-amd64")
    {
        var iomem = IomemTree.Parse(IomemText(ram, crash), "synthetic/proc/iomem");
        var notes = ImmutableArray.CreateBuilder<CpuCrashNotes>(cpus);
        for (var cpu = 0; cpu < cpus; cpu++)
        {
            notes.Add(new CpuCrashNotes(cpu, 0x3fa3a400UL + ((ulong)cpu * 0x40000), 368));
        }

        var all = Enumerable.Range(0, cpus).ToImmutableArray();
        return new HostSnapshot(
            "synthetic",
            iomem,
            new CpuTopology(all, all, all, notes.MoveToImmutable(), null),
            null,
            vmcoreinfo ? new VmcoreInfoLocation(0x11e6000, 0x1024) : null,
            new CrashKernelState(false, 0, null, false),
            release,
            "console=ttyS0 crashkernel=256M",
            null,
            null);
    }

    public static string IomemText(IReadOnlyList<(ulong Start, ulong End)> ram, IReadOnlyList<(ulong Start, ulong End)> crash)
    {
        var text = new StringBuilder();
        foreach (var (start, end) in ram.OrderBy(r => r.Start))
        {
            text.Append(CultureInfo.InvariantCulture, $"{start:x8}-{end - 1:x8} : System RAM\n");
            foreach (var (cs, ce) in crash.Where(c => c.Start >= start && c.End <= end).OrderBy(c => c.Start))
            {
                text.Append(CultureInfo.InvariantCulture, $"  {cs:x8}-{ce - 1:x8} : Crash kernel\n");
            }
        }

        return text.ToString();
    }

    /// <summary>The benchmark's shape: <paramref name="ranges"/> RAM ranges of 1 MiB with 64 KiB holes, one reservation.</summary>
    public static HostSnapshot Large(int ranges, int cpus)
    {
        var ram = new List<(ulong, ulong)>(ranges);
        var start = 0x100000UL;
        for (var i = 0; i < ranges; i++)
        {
            ram.Add((start, start + 0x100000));
            start += 0x110000;
        }

        ram.Add((start, start + (512UL << 20)));
        return Build(ram, [(start + (128UL << 20), start + (384UL << 20))], cpus);
    }
}

/// <summary>Runs binutils' readelf on a header and reads back what it saw.</summary>
internal static class ReadElf
{
    public sealed record Segment(string Type, ulong Offset, ulong VirtualAddress, ulong PhysicalAddress, ulong FileSize, ulong MemorySize);

    public sealed record Result(string Class, string Type, int ProgramHeaderCount, IReadOnlyList<Segment> Segments, string Output);

    public static Result Run(byte[] header)
    {
        var file = Path.Combine(Path.GetTempPath(), $"kdumpd-elfcorehdr-{Guid.NewGuid():N}");
        File.WriteAllBytes(file, header);
        try
        {
            var start = new System.Diagnostics.ProcessStartInfo("readelf", ["-h", "-l", "-W", file])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            using var process = System.Diagnostics.Process.Start(start)!;
            var stdoutTask = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEnd();
            var stdout = stdoutTask.Result;
            process.WaitForExit();
            process.ExitCode.Should().Be(0, $"readelf failed: {stderr}");
            stderr.Should().BeEmpty("readelf must not warn about a header we wrote");
            return Parse(stdout);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static Result Parse(string output)
    {
        string Field(string name) => output.Split('\n').Single(l => l.TrimStart().StartsWith(name + ":", StringComparison.Ordinal)).Split(':', 2)[1].Trim();

        // "65535 (70000)" when PN_XNUM is in use: the real count is in parentheses.
        var count = Field("Number of program headers");
        var open = count.IndexOf('(', StringComparison.Ordinal);
        var phnum = int.Parse(open < 0 ? count : count[(open + 1)..count.IndexOf(')', StringComparison.Ordinal)], CultureInfo.InvariantCulture);
        var segments = new List<Segment>();
        var inTable = false;
        foreach (var line in output.Split('\n'))
        {
            if (line.TrimStart().StartsWith("Type ", StringComparison.Ordinal))
            {
                inTable = true;
                continue;
            }

            if (!inTable)
            {
                continue;
            }

            var tokens = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (tokens.Length < 6 || !tokens[1].StartsWith("0x", StringComparison.Ordinal))
            {
                if (tokens.Length == 0)
                {
                    inTable = false;
                }

                continue;
            }

            ulong Hex(int i) => ulong.Parse(tokens[i].AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
            segments.Add(new Segment(tokens[0], Hex(1), Hex(2), Hex(3), Hex(4), Hex(5)));
        }

        return new Result(Field("Class"), Field("Type"), phnum, segments, output);
    }
}
