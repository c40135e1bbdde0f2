using System.Diagnostics;
using System.Globalization;
using CsCheck;
using Kdumpd.Core.Dumps;
using Kdumpd.Core.Tests.Dumps;
using Kdumpd.Core.Elf;

// Long fuzz run of the dump readers (ELF, kdump-compressed, flattened) on mutated real and
// synthetic headers. Usage: dotnet run -c Release --project tests/fuzz -- [seconds] [fixtures/dumps]
// Any exception other than InvalidFormatException, or one input taking over 10 s (a hang), is a
// bug: the input is saved to fuzz-failure-*.bin and the exit code is 1.
var seconds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 600;
var fixtures = args.Length > 1 ? args[1] : Environment.GetEnvironmentVariable("KDUMPD_FIXTURES") is { } env ? Path.Join(env, "dumps") : null;
var seeds = DumpMutations.Seeds(fixtures);
long tried = 0, accepted = 0, refused = 0;
long slowestTicks = 0;
byte[]? current = null;
var currentStart = Stopwatch.GetTimestamp();
var failures = 0;

using var watchdog = new Timer(_ =>
{
    var input = Volatile.Read(ref current);
    if (input is not null && Stopwatch.GetElapsedTime(Volatile.Read(ref currentStart)) > TimeSpan.FromSeconds(10))
    {
        var path = $"fuzz-failure-hang-{Environment.TickCount64}.bin";
        File.WriteAllBytes(path, input);
        Console.Error.WriteLine($"HANG: an input ran over 10 s; saved to {path}");
        Environment.Exit(1);
    }
}, null, 1000, 1000);

Console.WriteLine($"{seeds.Count} seeds, running {seconds} s");
var total = Stopwatch.StartNew();
try
{
    DumpMutations.Mutated(seeds).Sample(bytes =>
    {
        Volatile.Write(ref currentStart, Stopwatch.GetTimestamp());
        Volatile.Write(ref current, bytes);
        var start = Stopwatch.GetTimestamp();
        try
        {
            DumpProbe.Probe(new MemoryDumpSource("fuzz.dump", bytes));
            accepted++;
        }
        catch (InvalidFormatException)
        {
            refused++;
        }
        catch (Exception e)
        {
            var path = $"fuzz-failure-{failures++}.bin";
            File.WriteAllBytes(path, bytes);
            Console.Error.WriteLine($"BUG: {e.GetType().Name}: {e.Message}; input saved to {path}");
            throw;
        }
        finally
        {
            slowestTicks = Math.Max(slowestTicks, Stopwatch.GetTimestamp() - start);
            tried++;
            Volatile.Write(ref current, null);
        }
    }, time: seconds, threads: 1);
}
catch (Exception e)
{
    Console.Error.WriteLine(e.Message);
    Console.WriteLine($"FAILED after {tried} inputs");
    return 1;
}

Console.WriteLine($"{tried} inputs in {total.Elapsed.TotalSeconds:F0} s: {accepted} accepted, {refused} refused with InvalidFormatException, 0 other exceptions, slowest input {Stopwatch.GetElapsedTime(0, slowestTicks).TotalMilliseconds:F1} ms");
return 0;
