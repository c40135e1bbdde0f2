using CsCheck;
using Kdumpd.Core.Dumps;
using Kdumpd.Core.Elf;

namespace Kdumpd.Core.Tests.Dumps;

/// <summary>
/// Mutated real and synthetic headers through every reader: a result or an
/// <see cref="InvalidFormatException"/>, never another exception. The long run is tests/fuzz.
/// </summary>
public sealed class DumpFuzzTests
{
    [Fact]
    public void Mutated_headers_give_a_result_or_a_typed_error_never_another_exception()
    {
        var seeds = DumpMutations.Seeds(FixturesOrNull());
        var tried = 0;

        DumpMutations.Mutated(seeds).Sample(bytes =>
        {
            Interlocked.Increment(ref tried);
            try
            {
                DumpProbe.Probe(new MemoryDumpSource("fuzz.dump", bytes));
            }
            catch (InvalidFormatException)
            {
                // the expected way to refuse bad input
            }
        }, iter: 20_000, threads: 1);

        tried.Should().Be(20_000);
    }

    [Fact]
    public void Mutations_change_the_seed_and_keep_the_readers_busy()
    {
        var seeds = DumpMutations.Seeds(null);
        var accepted = 0;
        var refused = 0;

        DumpMutations.Mutated(seeds).Sample(bytes =>
        {
            try
            {
                DumpProbe.Probe(new MemoryDumpSource("fuzz.dump", bytes));
                Interlocked.Increment(ref accepted);
            }
            catch (InvalidFormatException)
            {
                Interlocked.Increment(ref refused);
            }
        }, iter: 2_000, threads: 1);

        // A generator that only produced garbage (or only valid files) would test nothing.
        accepted.Should().BeGreaterThan(100);
        refused.Should().BeGreaterThan(100);
    }

    private static string? FixturesOrNull()
    {
        try
        {
            return Path.GetDirectoryName(DumpFixtures.Dir("qemu-6.1-variants"));
        }
        catch (Exception e) when (e.GetType().Name.Contains("Skip", StringComparison.Ordinal))
        {
            return null;
        }
    }
}
