using Kdumpd.Core.Tests.Dumps;

namespace Kdumpd.Core.Tests.Catalog;

/// <summary>Builds the dump directories of each distribution (and kdumpd's) in a temp dir.</summary>
internal sealed class DumpTrees : IDisposable
{
    public static readonly (ulong, ulong)[] Loads = [(0x100000, 0x9ff00000), (0x100000000, 0x40000000)];

    public DumpTrees() => Root = Directory.CreateTempSubdirectory("kdumpd-dumps-").FullName;

    public string Root { get; }

    public string Dir(string name) => Directory.CreateDirectory(Path.Join(Root, name)).FullName;

    /// <summary>A 3.5 GiB sparse ELF vmcore with a real header (SetLength makes the data a hole).</summary>
    public static string SparseElf(string dir, string name, uint flags = 0, long? cutAt = null)
    {
        var path = Path.Join(dir, name);
        SyntheticDumps.WriteSparseElf(path, Loads, flags, cutAt);
        return path;
    }

    public static string Bytes(string dir, string name, byte[] bytes)
    {
        var path = Path.Join(dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    public static string Text(string dir, string name, string text)
    {
        var path = Path.Join(dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>kdumpd's ownership marker as its capture writes it: kdumpd.json 0600 with the folder's dump id added.</summary>
    public static string Marker(string dir, string json)
    {
        var id = Kdumpd.Core.Catalog.DumpId.For(Path.GetFileName(dir));
        var path = Text(dir, "kdumpd.json", json.TrimEnd().TrimEnd('}') + (json.Contains(':', StringComparison.Ordinal) ? "," : "") + $"\"dump_id\":\"{id}\"}}");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.SetUnixFileMode(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    public const string OopsDmesg = """
        [  100.000001] BUG: kernel NULL pointer dereference, address: 0000000000000000
        [  100.000002] #PF: supervisor read access in kernel mode
        [  100.000003] Oops: 0000 [#1] PREEMPT SMP NOPTI
        [  100.000004] Call Trace:
        [  100.000005]  <TASK>
        [  100.000006]  my_driver_probe+0x12/0x40 [mydrv]
        [  100.000007]  really_probe+0xdb/0x380
        [  100.000008]  </TASK>
        [  100.000009] Kernel panic - not syncing: Fatal exception
        """;

    public const string PanicDmesg = "[   21.793926] Kernel panic - not syncing: sysrq triggered crash\n[   21.794462] Call Trace:\n[   21.794847]  panic+0x118/0x2f4\n";

    /// <summary>One of each layout; returns their names.</summary>
    public void BuildAllLayouts()
    {
        var k = Dir("20261124T100000Z-web1");
        SparseElf(k, "vmcore");
        Text(k, "dmesg.txt", PanicDmesg);
        Marker(k, """{"format_version":1,"hostname":"web1","generation":7,"started_at":"2026-11-24T10:00:00Z","complete":true}""");

        var f = Dir("127.0.0.1-2026-11-24-07:57:28");
        Bytes(f, "vmcore", SyntheticDumps.Kdump(status: 0x1));
        Text(f, "vmcore-dmesg.txt", OopsDmesg);
        Text(f, "kexec-dmesg.log", "capture kernel log");

        var fi = Dir("192.168.1.5-2026-11-23-01:02:03");
        SparseElf(fi, "vmcore-incomplete", cutAt: 1 << 20);
        Text(fi, "vmcore-dmesg.txt", PanicDmesg);

        var d = Dir("202611240930");
        Bytes(d, "dump.202611240930", SyntheticDumps.Flatten(SyntheticDumps.Kdump()));
        Text(d, "dmesg.202611240930", PanicDmesg);

        var di = Dir("202611220800");
        Bytes(di, "dump-incomplete", SyntheticDumps.Flatten(SyntheticDumps.Kdump(), endMarker: false));

        var dz = Dir("202611210800");
        Bytes(dz, "dump.202611210800.gz", Gzip(SyntheticDumps.Flatten(SyntheticDumps.Kdump())));

        var s = Dir("2026-11-24-08-15");
        Bytes(s, "vmcore", SyntheticDumps.Flatten(SyntheticDumps.Kdump(status: 0x20)));
        Text(s, "dmesg", OopsDmesg);
        Text(s, "README.txt", "Kernel version: 6.12\nvmcore status: saved successfully\nDump format: compressed\n");

        var si = Dir("2026-11-20-08-15");
        Bytes(si, "vmcore", SyntheticDumps.Flatten(SyntheticDumps.Kdump()));
        Text(si, "README.txt", "Saving dump using makedumpfile\n");

        // Not dumps: apport files, kdump-tools state, an unrelated directory.
        Text(Root, "_usr_bin_python3.12.1000.crash", "ProblemType: Crash\n");
        Text(Root, "_usr_bin_python3.12.1000.upload", "");
        Text(Root, "kexec_cmd", "kexec -p ...");
        Text(Dir("lost+found"), "x", "");
    }

    public static byte[] Gzip(byte[] bytes)
    {
        using var output = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(output, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(bytes);
        }

        return output.ToArray();
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // best effort in tests
        }
    }
}
