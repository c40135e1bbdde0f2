using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using BenchmarkDotNet.Attributes;
using Kdumpd.Core.Host;
using Kdumpd.Core.Planning;

namespace Kdumpd.Bench;

/// <summary>
/// Planning for a large synthetic host: 8192 System RAM ranges, 1024 CPUs, one 256 MiB reservation.
/// Goal: under 5 ms and under 4 MB allocated per plan.
/// </summary>
[MemoryDiagnoser]
public class PlanBenchmarks
{
    private HostSnapshot _host = null!;
    private CrashPlan _plan = null!;
    private PlanOptions _kexecTools = null!;

    [Params(8192)]
    public int Ranges { get; set; }

    [Params(1024)]
    public int Cpus { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _host = SyntheticHost(Ranges, Cpus);
        _plan = CrashPlanner.Plan(_host, PlanOptions.Default);
        _kexecTools = new PlanOptions { Layout = PlanLayout.KexecTools };
    }

    [Benchmark(Baseline = true)]
    public CrashPlan PlanKexecFile() => CrashPlanner.Plan(_host, PlanOptions.Default);

    [Benchmark]
    public CrashPlan PlanKexecTools() => CrashPlanner.Plan(_host, _kexecTools);

    [Benchmark]
    public byte[] PlanHeaderBytes() => _plan.WriteHeader();

    private static HostSnapshot SyntheticHost(int ranges, int cpus)
    {
        // 1 MiB RAM ranges with 64 KiB holes, then 512 MiB with the reservation in the middle.
        var iomem = new StringBuilder();
        var start = 0x100000UL;
        for (var i = 0; i < ranges; i++)
        {
            iomem.Append(CultureInfo.InvariantCulture, $"{start:x8}-{start + 0xfffff:x8} : System RAM\n");
            start += 0x110000;
        }

        iomem.Append(CultureInfo.InvariantCulture, $"{start:x8}-{start + (512UL << 20) - 1:x8} : System RAM\n");
        iomem.Append(CultureInfo.InvariantCulture, $"  {start + (128UL << 20):x8}-{start + (384UL << 20) - 1:x8} : Crash kernel\n");
        var notes = ImmutableArray.CreateBuilder<CpuCrashNotes>(cpus);
        for (var cpu = 0; cpu < cpus; cpu++)
        {
            notes.Add(new CpuCrashNotes(cpu, 0x3fa3a400UL + ((ulong)cpu * 0x40000), 368));
        }

        var all = Enumerable.Range(0, cpus).ToImmutableArray();
        return new HostSnapshot(
            "synthetic",
            IomemTree.Parse(iomem.ToString(), "synthetic/proc/iomem"),
            new CpuTopology(all, all, all, notes.MoveToImmutable(), null),
            null,
            new VmcoreInfoLocation(0x11e6000, 0x1024),
            new CrashKernelState(false, 256L << 20, null, false),
            "6.1.0-56-amd64",
            "console=ttyS0 crashkernel=256M",
            null,
            null);
    }
}
