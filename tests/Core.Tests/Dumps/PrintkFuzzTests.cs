using Kdumpd.Core.Dumps;
using Kdumpd.Core.Dumps.Printk;

namespace Kdumpd.Core.Tests.Dumps;

/// <summary>
/// The page and printk readers on damaged real dumps: the bytes they read (the printk ring's
/// descriptors, records and text, the page descriptors, the compressed pages) corrupted at
/// random, and the file cut short at every stage. Each gives a text or a clear reason, never an
/// exception and never a hang (a stuck extraction fails the test after a minute).
/// </summary>
public sealed class PrintkFuzzTests
{
    public static TheoryData<string, string> Dumps() => new()
    {
        { "qemu-6.1-sysrq", "dump.kdump" },
        { "qemu-6.1-variants", "dump-lzo.kdump" },
        { "qemu-6.1-variants", "dump-lzo.flat" },
    };

    [Theory]
    [MemberData(nameof(Dumps))]
    public async Task Corrupted_ring_buffer_and_pages_give_a_text_or_a_reason_never_an_exception(string variant, string name)
    {
        using var file = FileDumpSource.Open(DumpFixtures.File(variant, name));
        var reads = Recording.ReadsOf(file);
        var withText = 0;
        var withReason = 0;
        for (var seed = 1; seed <= 60; seed++)
        {
            // Leave the container's headers alone (the first reads) so that the damage reaches the ring buffer.
            var damaged = new Damaged(file, reads.Skip(Math.Min(reads.Count - 1, 4)).ToList(), seed, rate: seed % 3 == 0 ? 0.2 : 0.002, truncateAt: null);

            var result = await Extract(damaged);

            (result.Text is not null || !string.IsNullOrEmpty(result.Problem)).Should().BeTrue();
            withText += result.Text is null ? 0 : 1;
            withReason += result.Problem is null ? 0 : 1;
        }

        withReason.Should().BeGreaterThan(0, "some damage must have been noticed, or the test damaged nothing");
        (withText + withReason).Should().BeGreaterThanOrEqualTo(60);
    }

    [Theory]
    [MemberData(nameof(Dumps))]
    public async Task A_dump_cut_short_anywhere_gives_a_reason_or_the_text_it_still_holds(string variant, string name)
    {
        using var file = FileDumpSource.Open(DumpFixtures.File(variant, name));
        var reads = Recording.ReadsOf(file);
        var cuts = reads.Select(r => r.Offset + (r.Length / 2)).Append(0).Append(file.Length / 2).Append(file.Length - 1).Distinct().ToList();
        foreach (var cut in cuts)
        {
            var result = await Extract(new Damaged(file, [], seed: 0, rate: 0, truncateAt: cut));

            if (result.Text is null)
            {
                result.Problem.Should().NotBeNullOrEmpty($"a cut at {cut} must be explained");
            }
        }

        cuts.Count.Should().BeGreaterThan(5);
    }

    private static async Task<DmesgExtraction> Extract(IDumpSource source) =>
        await Task.Run(() => VmcoreDmesg.Extract(source)).WaitAsync(TimeSpan.FromMinutes(1), TestContext.Current.CancellationToken);

    /// <summary>The byte ranges a clean extraction reads, in order.</summary>
    private sealed class Recording(IDumpSource inner) : IDumpSource
    {
        public List<(long Offset, int Length)> Reads { get; } = [];

        public string Name => inner.Name;

        public long Length => inner.Length;

        public static List<(long Offset, int Length)> ReadsOf(IDumpSource source)
        {
            var recording = new Recording(source);
            VmcoreDmesg.Extract(recording).Text.Should().NotBeNull("the undamaged dump has a readable log");
            return recording.Reads;
        }

        public int ReadAt(long offset, Span<byte> buffer)
        {
            var n = inner.ReadAt(offset, buffer);
            Reads.Add((offset, n));
            return n;
        }
    }

    /// <summary>A dump whose bytes in the given ranges are flipped at random (the same for one seed), optionally cut short.</summary>
    private sealed class Damaged(IDumpSource inner, List<(long Offset, int Length)> targets, int seed, double rate, long? truncateAt) : IDumpSource
    {
        public string Name => inner.Name;

        public long Length => truncateAt ?? inner.Length;

        public int ReadAt(long offset, Span<byte> buffer)
        {
            if (offset >= Length)
            {
                return 0;
            }

            var n = inner.ReadAt(offset, buffer[..(int)Math.Min(buffer.Length, Length - offset)]);
            foreach (var (start, length) in targets)
            {
                var from = Math.Max(start, offset);
                var to = Math.Min(start + length, offset + n);
                if (from >= to)
                {
                    continue;
                }

                var random = new Random(HashCode.Combine(seed, start));
                for (var at = start; at < start + length; at += 1 + (long)(random.NextDouble() * 2 / rate))
                {
                    if (at >= from && at < to)
                    {
                        buffer[(int)(at - offset)] ^= (byte)random.Next(1, 256);
                    }
                }
            }

            return n;
        }
    }
}
