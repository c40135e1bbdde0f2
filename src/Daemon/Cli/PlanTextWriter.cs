using System.Globalization;
using Kdumpd.Core.Planning;
using Kdumpd.Core.Units;

namespace Kdumpd.Daemon.Cli;

/// <summary>The plan as a compact table, in the spirit of kdumpctl and coredumpctl.</summary>
public static class PlanTextWriter
{
    public static void Write(TextWriter output, PlanReport report)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(report);
        var inv = CultureInfo.InvariantCulture;
        output.WriteLine(string.Create(inv, $"Host          {report.HostRoot} ({report.KernelRelease ?? "unknown release"})"));
        output.WriteLine(string.Create(inv, $"Layout        {report.Layout} ({report.Profile})"));
        if (report.Reservations.Count == 0)
        {
            output.WriteLine("Reservation   none");
        }

        foreach (var r in report.Reservations)
        {
            output.WriteLine(string.Create(inv, $"Reservation   {r.Start}-{r.End}  {ByteSize.CrashKernel(r.Size)}"));
        }

        var h = report.Header;
        output.WriteLine(string.Create(inv, $"Header        {h.Address ?? "unplaced"}  {h.Size} bytes ({ByteSize.CrashKernel(h.Reserved)} reserved), {h.Class}, {h.ProgramHeaders} program headers"));
        output.WriteLine(report.Backup is { } b
            ? string.Create(inv, $"Backup        {b.Source} ({ByteSize.CrashKernel(b.Size)}) -> {b.Destination}")
            : "Backup        none");
        var budget = report.Budget;
        output.WriteLine(string.Create(inv, $"Budget        {ByteSize.CrashKernel(budget.Reserved)} reserved, {ByteSize.CrashKernel(budget.Needed)} needed (kernel {ByteSize.CrashKernel(budget.Kernel)} + initrd {ByteSize.CrashKernel(budget.Initrd)} + header {ByteSize.CrashKernel(budget.Header)} + backup {ByteSize.CrashKernel(budget.Backup)} + working {ByteSize.CrashKernel(budget.WorkingMemory)}){(budget.Fits ? string.Empty : "  TOO SMALL")}"));
        output.WriteLine(string.Create(inv, $"Command line  {report.CaptureCommandLine}"));
        output.WriteLine();

        output.WriteLine(string.Create(inv, $"NOTES ({report.Notes.Count})"));
        output.WriteLine(string.Create(inv, $"  {"KIND",-12} {"CPU",4}  {"ADDRESS",-18}  {"SIZE",8}"));
        foreach (var n in report.Notes)
        {
            output.WriteLine(string.Create(inv, $"  {n.Kind,-12} {(n.Cpu is { } cpu ? cpu.ToString(inv) : "-"),4}  {n.Address,-18}  {n.Size,8}"));
        }

        output.WriteLine();
        output.WriteLine(string.Create(inv, $"LOADS ({report.Loads.Count})"));
        output.WriteLine(string.Create(inv, $"  {"KIND",-12} {"PHYS",-18}  {"SIZE",8}  {"OFFSET",-18}  {"VADDR",-18}"));
        foreach (var l in report.Loads)
        {
            output.WriteLine(string.Create(inv, $"  {l.Kind,-12} {l.PhysicalAddress,-18}  {ByteSize.CrashKernel(l.Size),8}  {l.Offset,-18}  {l.VirtualAddress,-18}"));
        }

        output.WriteLine();
        output.WriteLine(string.Create(inv, $"FINDINGS ({report.Findings.Count})"));
        foreach (var f in report.Findings)
        {
            output.WriteLine(string.Create(inv, $"  {f.Severity,-8} {f.Code,-28} {f.Message}"));
        }

        output.WriteLine();
        output.WriteLine(string.Create(inv, $"Fingerprint   {report.Fingerprint}"));
    }
}
