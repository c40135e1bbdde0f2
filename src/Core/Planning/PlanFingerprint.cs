using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;
using Kdumpd.Core.Host;

namespace Kdumpd.Core.Planning;

/// <summary>
/// SHA-256 over the canonical inputs of a plan: layout, profile, kernel release, System RAM, reservations,
/// notes, VMCOREINFO, kernel text, direct map, capture kernel/initrd identity, capture command line and
/// working memory. Same fingerprint means a reload would load the same thing. Fields are written as
/// tagged little-endian values so no two different inputs share an encoding.
/// </summary>
internal sealed class PlanFingerprint : IDisposable
{
    private const string Version = "kdumpd-plan/1";
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly byte[] _buffer = new byte[4096];
    private int _length;

    public static string Compute(HostSnapshot host, CrashPlan plan, PlanOptions options, ulong directMapBase, ImmutableArray<IomemResource> ram)
    {
        using var f = new PlanFingerprint();
        f.String(Version);
        f.String(plan.Layout.ToName());
        f.String(plan.Profile.Name);
        f.String(host.KernelRelease ?? string.Empty);
        f.Tag('R', ram.Length);
        foreach (var r in ram)
        {
            f.U64(r.Start);
            f.U64(r.End);
        }

        f.Tag('C', plan.Reservations.Length);
        foreach (var r in plan.Reservations)
        {
            f.U64(r.Start);
            f.U64(r.End);
        }

        f.Tag('N', plan.Notes.Length);
        foreach (var n in plan.Notes)
        {
            f.U64((ulong)n.Kind);
            f.U64((ulong)(n.Cpu ?? -1));
            f.U64(n.Address);
            f.U64(n.Size);
        }

        f.Tag('T', plan.Loads.Length > 0 && plan.Loads[0].Kind == LoadKind.KernelText ? 1 : 0);
        if (plan.Loads.Length > 0 && plan.Loads[0].Kind == LoadKind.KernelText)
        {
            var t = plan.Loads[0];
            f.U64(t.PhysicalAddress);
            f.U64(t.VirtualAddress);
            f.U64(t.Size);
        }

        f.U64(directMapBase);
        f.Image('K', options.CaptureKernel);
        f.Image('I', options.CaptureInitrd);
        f.String(plan.CaptureCommandLine);
        f.U64(options.MinimumWorkingMemory);
        return f.Finish();
    }

    private void Image(char tag, CaptureImageIdentity? image)
    {
        Tag(tag, image is null ? 0 : 1);
        if (image is not null)
        {
            U64(image.FileSize);
            U64(image.MemorySize);
            String(image.Sha256);
        }
    }

    private void Tag(char tag, int count)
    {
        U64(tag);
        U64((ulong)count);
    }

    private void U64(ulong value)
    {
        if (_length + 8 > _buffer.Length)
        {
            Flush();
        }

        BinaryPrimitives.WriteUInt64LittleEndian(_buffer.AsSpan(_length), value);
        _length += 8;
    }

    private void String(string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        U64((ulong)bytes.Length);
        Flush();
        _hash.AppendData(bytes);
    }

    private void Flush()
    {
        _hash.AppendData(_buffer, 0, _length);
        _length = 0;
    }

    private string Finish()
    {
        Flush();
        return Convert.ToHexStringLower(_hash.GetHashAndReset());
    }

    public void Dispose() => _hash.Dispose();
}
