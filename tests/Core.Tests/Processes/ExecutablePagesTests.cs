using System.Runtime.InteropServices;
using Kdumpd.Core.Processes;

namespace Kdumpd.Core.Tests.Processes;

public partial class ExecutablePagesTests : IDisposable
{
    private const string Kdumpd = "/usr/sbin/kdumpd";

    // /proc/PID/smaps of an idle kdumpd (NativeAOT, linked at 0x400000), abridged: the one-page mapping
    // inside its read-only data is the stack cookie the runtime wrote at start; the next one is RELRO.
    private const string IdleDaemon = """
        00400000-00406000 r--p 00000000 fe:01 1311 /usr/sbin/kdumpd
        Size:                 24 kB
        Rss:                  24 kB
        Anonymous:             0 kB
        VmFlags: rd mr mw me dw sd
        00406000-01329000 r-xp 00006000 fe:01 1311 /usr/sbin/kdumpd
        Rss:               11908 kB
        Anonymous:             0 kB
        01329000-018c2000 r--p 00f29000 fe:01 1311 /usr/sbin/kdumpd
        Rss:                3108 kB
        Anonymous:             0 kB
        018c2000-018c3000 r--p 014c2000 fe:01 1311 /usr/sbin/kdumpd
        Rss:                   4 kB
        Anonymous:             4 kB
        018c3000-01e8a000 r--p 014c3000 fe:01 1311 /usr/sbin/kdumpd
        Rss:                4468 kB
        Anonymous:             0 kB
        01e8a000-01e8f000 r--p 01a89000 fe:01 1311 /usr/sbin/kdumpd
        Rss:                  20 kB
        Anonymous:             4 kB
        01e8f000-02898000 rw-p 01a8e000 fe:01 1311 /usr/sbin/kdumpd
        Rss:                9892 kB
        Anonymous:           580 kB
        7f34b5a86000-7f34b5aac000 r--p 00000000 fe:01 2207 /usr/lib/x86_64-linux-gnu/libc.so.6
        Rss:                 152 kB
        Anonymous:             0 kB
        7ffcd7528000-7ffcd7549000 rw-p 00000000 00:00 0 [stack]
        Rss:                  40 kB
        Anonymous:            40 kB
        """;

    private readonly string _file = Path.Combine(Path.GetTempPath(), $"kdumpd-pages-{Guid.NewGuid():N}");

    public void Dispose()
    {
        File.Delete(_file);
        GC.SuppressFinalize(this);
    }

    [Fact]
    public void Reads_each_mapping_of_smaps()
    {
        var mappings = ExecutablePages.Parse(IdleDaemon.Split('\n'));

        mappings.Should().HaveCount(9);
        mappings[0].Should().Be(new MemoryMapping(0x400000, 0x406000, "r--p", Kdumpd, 24, 0));
        mappings[6].Should().Be(new MemoryMapping(0x1e8f000, 0x2898000, "rw-p", Kdumpd, 9892, 580));
        mappings[8].Path.Should().Be("[stack]");
    }

    [Fact]
    public void Releases_only_the_executables_read_only_mappings_that_hold_no_written_page()
    {
        var releasable = ExecutablePages.Releasable(ExecutablePages.Parse(IdleDaemon.Split('\n')), Kdumpd);

        releasable.Select(m => m.Start).Should().Equal(0x400000ul, 0x406000ul, 0x1329000ul, 0x18c3000ul);
    }

    [Fact]
    public void A_read_only_page_written_under_mprotect_keeps_what_was_written()
    {
        // What the runtime does with its stack cookie: a private file mapping written while writable,
        // then made read-only. Dropping it would bring the file's bytes back under a running function.
        var page = Environment.SystemPageSize;
        File.WriteAllBytes(_file, Enumerable.Repeat((byte)0xAA, 2 * page).ToArray());
        using var handle = File.OpenHandle(_file);
        var fd = (int)handle.DangerousGetHandle();
        var read = Mmap(0, (nuint)page, ProtRead, MapPrivate, fd, 0);
        var written = Mmap(0, (nuint)page, ProtRead | ProtWrite, MapPrivate, fd, page);
        try
        {
            Marshal.ReadByte(read).Should().Be(0xAA);
            Marshal.WriteByte(written, 0x55);
            Mprotect(written, (nuint)page, ProtRead).Should().Be(0);
            ResidentKiB(read).Should().BeGreaterThan(0);

            var released = ExecutablePages.Release(_file);

            released.Should().BeGreaterThan(0);
            ResidentKiB(read).Should().Be(0, "the unwritten read-only mapping is dropped from this process");
            Marshal.ReadByte(written).Should().Be(0x55, "the written page is kept as written, not the file's 0xAA");
            Marshal.ReadByte(read).Should().Be(0xAA, "a dropped page maps back from the file");
        }
        finally
        {
            Munmap(read, (nuint)page).Should().Be(0);
            Munmap(written, (nuint)page).Should().Be(0);
        }
    }

    [Fact]
    public void Drops_this_process_executables_read_only_pages_and_the_process_runs_on()
    {
        var exe = File.ResolveLinkTarget("/proc/self/exe", returnFinalTarget: true)!.FullName;
        var before = ExecutablePages.Releasable(ExecutablePages.Parse(File.ReadLines("/proc/self/smaps")), exe).Sum(m => m.ResidentKiB);
        before.Should().BeGreaterThan(0, "the test host ran its own code to start");

        var released = ExecutablePages.ReleaseReadOnly();

        released.Should().BeGreaterThan(0);
        var after = ExecutablePages.Parse(File.ReadLines("/proc/self/smaps")).Where(m => m.Path == exe && !m.Writable).Sum(m => m.ResidentKiB);
        after.Should().BeLessThan(before);
        Enumerable.Range(0, 1000).Sum().Should().Be(499500, "code runs on after its pages were given back");
    }

    private static long ResidentKiB(nint address) =>
        ExecutablePages.Parse(File.ReadLines("/proc/self/smaps")).Single(m => m.Start == (ulong)address).ResidentKiB;

    private const int ProtRead = 1;
    private const int ProtWrite = 2;
    private const int MapPrivate = 2;

    [LibraryImport("libc", EntryPoint = "mmap")]
    private static partial nint Mmap(nint address, nuint length, int protection, int flags, int fd, long offset);

    [LibraryImport("libc", EntryPoint = "mprotect")]
    private static partial int Mprotect(nint address, nuint length, int protection);

    [LibraryImport("libc", EntryPoint = "munmap")]
    private static partial int Munmap(nint address, nuint length);
}
