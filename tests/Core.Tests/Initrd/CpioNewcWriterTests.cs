using System.Text;
using Kdumpd.Core.Initrd;

namespace Kdumpd.Core.Tests.Initrd;

public sealed class CpioNewcWriterTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("kdumpd-cpio-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static List<CpioEntry> Entries() =>
    [
        CpioEntry.File("init", Encoding.UTF8.GetBytes("#!/bin/sh\necho hello\n"), 0x1ED),
        CpioEntry.Directory("etc"),
        CpioEntry.Directory("lib"),
        CpioEntry.Directory("lib/modules"),
        CpioEntry.File("lib/modules/odd-size.ko", Enumerable.Range(0, 4097).Select(i => (byte)i).ToArray()),
        CpioEntry.File("etc/empty", ReadOnlyMemory<byte>.Empty),
        CpioEntry.Symlink("lib64", "lib"),
        CpioEntry.File("etc/name-with-odd-length-x", "abc"u8.ToArray()),
    ];

    private string WriteArchive(IEnumerable<CpioEntry> entries)
    {
        var path = Path.Join(_root, "archive.cpio");
        using var file = File.Create(path);
        CpioNewcWriter.Write(file, entries);
        return path;
    }

    [Fact]
    public void Archive_lists_every_entry_in_order_with_the_real_cpio()
    {
        Assert.SkipWhen(ToolRunner.Find("cpio") is null, "cpio is not installed (apt-get install cpio)");
        var archive = WriteArchive(Entries());

        var (code, output) = ToolRunner.Run("cpio", "-it --quiet", stdinFile: archive);

        Assert.Equal(0, code);
        var expected = Entries().Select(e => e.Path).Order(StringComparer.Ordinal);
        Assert.Equal(expected, output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void Archive_extracts_with_the_real_cpio_to_the_same_bytes_modes_and_links()
    {
        Assert.SkipWhen(ToolRunner.Find("cpio") is null, "cpio is not installed (apt-get install cpio)");
        var archive = WriteArchive(Entries());
        var into = Directory.CreateDirectory(Path.Join(_root, "out")).FullName;

        var (code, output) = ToolRunner.Run("cpio", "-idm --quiet --no-absolute-filenames", into, archive);

        Assert.True(code == 0, output);
        foreach (var entry in Entries().Where(e => e.Kind == CpioEntryKind.File))
        {
            Assert.Equal(entry.Content.ToArray(), File.ReadAllBytes(Path.Join(into, entry.Path)));
        }

        Assert.Equal("lib", new FileInfo(Path.Join(into, "lib64")).LinkTarget);
        Assert.True(Directory.Exists(Path.Join(into, "lib/modules")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute, File.GetUnixFileMode(Path.Join(into, "init")));
    }

    [Fact]
    public void Same_entries_in_any_order_give_the_same_bytes()
    {
        using var first = new MemoryStream();
        using var second = new MemoryStream();
        CpioNewcWriter.Write(first, Entries());
        CpioNewcWriter.Write(second, Entries().AsEnumerable().Reverse());

        Assert.Equal(first.ToArray(), second.ToArray());
    }

    [Fact]
    public void The_length_told_from_paths_and_content_lengths_is_the_length_written()
    {
        using var stream = new MemoryStream();
        var entries = Entries();
        entries.Add(CpioEntry.File("usr/lib/x86_64-linux-gnu/libé.so.1", new byte[3]));

        var written = CpioNewcWriter.Write(stream, entries);

        Assert.Equal(stream.Length, written);
        Assert.Equal(written, CpioNewcWriter.LengthOf(entries.Select(e => (e.Path, (long)e.Content.Length))));
        Assert.NotEqual(written, CpioNewcWriter.LengthOf(entries.Skip(1).Select(e => (e.Path, (long)e.Content.Length))));
    }

    [Fact]
    public void Every_header_and_data_starts_on_a_four_byte_boundary_and_the_trailer_ends_it()
    {
        using var stream = new MemoryStream();
        var length = CpioNewcWriter.Write(stream, Entries());
        var bytes = stream.ToArray();

        Assert.Equal(bytes.Length, length);
        Assert.Equal(0, bytes.Length % 4);
        var text = Encoding.ASCII.GetString(bytes);
        var at = 0;
        var names = new List<string>();
        while (at < bytes.Length)
        {
            Assert.Equal("070701", text.Substring(at, 6));
            var size = Convert.ToInt32(text.Substring(at + 54, 8), 16);
            var nameSize = Convert.ToInt32(text.Substring(at + 94, 8), 16);
            names.Add(text.Substring(at + 110, nameSize - 1));
            at = ((at + 110 + nameSize + 3) & ~3) + ((size + 3) & ~3);
        }

        Assert.Equal(bytes.Length, at);
        Assert.Equal("TRAILER!!!", names[^1]);
    }

    [Theory]
    [InlineData("/init")]
    [InlineData("lib/")]
    [InlineData("lib/../etc")]
    [InlineData("")]
    [InlineData("TRAILER!!!")]
    public void Entry_paths_that_are_not_relative_and_normalized_are_refused(string path)
    {
        var error = Assert.Throws<ArgumentException>(() => CpioNewcWriter.Write(Stream.Null, [CpioEntry.File(path, "x"u8.ToArray())]));
        Assert.Contains(path.Length == 0 ? "''" : path, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_same_path_twice_is_refused_by_name()
    {
        var error = Assert.Throws<ArgumentException>(() => CpioNewcWriter.Write(Stream.Null, [CpioEntry.Directory("etc"), CpioEntry.Directory("etc")]));
        Assert.Contains("'etc' appears twice", error.Message, StringComparison.Ordinal);
    }
}
