using System.Diagnostics;
using Kdumpd.Core.Dumps;

namespace Kdumpd.Core.Tests.Dumps;

public sealed class ConfinedFileTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("kdumpd-confined-").FullName;
    private readonly string _dump;

    public ConfinedFileTests()
    {
        _dump = Path.Join(_root, "20261124T100000Z-web1");
        Directory.CreateDirectory(_dump);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string In(string name) => Path.Join(_dump, name);

    [Fact]
    public void A_fifo_named_vmcore_is_refused_at_once_without_blocking()
    {
        MakeFifo(In("vmcore"));
        var watch = Stopwatch.StartNew();

        var e = FluentActions.Invoking(() => ConfinedFile.Open(_root, In("vmcore"))).Should().Throw<ConfinedFileException>().Which;

        e.Problem.Should().Be(ConfinedFileProblem.NotRegular);
        e.Message.Should().Contain("FIFO");
        watch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(5), "opening a FIFO for reading must not wait for a writer");
    }

    [Theory]
    [InlineData("/etc/shadow")]
    [InlineData("/etc/passwd")]
    [InlineData("/dev/zero")]
    [InlineData("../../../../../../etc/passwd")]
    public void A_link_out_of_the_dump_directory_is_never_followed(string target)
    {
        File.CreateSymbolicLink(In("vmcore"), target);

        var e = FluentActions.Invoking(() => ConfinedFile.Open(_root, In("vmcore"))).Should().Throw<ConfinedFileException>().Which;

        e.Problem.Should().Be(ConfinedFileProblem.OutsideRoot);
        e.Message.Should().Contain("out of the dump directory");
    }

    [Fact]
    public void A_dangling_link_is_missing()
    {
        File.CreateSymbolicLink(In("vmcore"), "vmcore.gone");

        FluentActions.Invoking(() => ConfinedFile.Open(_root, In("vmcore"))).Should().Throw<ConfinedFileException>()
            .Which.Problem.Should().Be(ConfinedFileProblem.Missing);
    }

    [Fact]
    public void A_device_node_is_not_a_regular_file()
    {
        FluentActions.Invoking(() => ConfinedFile.Open("/dev", "/dev/null")).Should().Throw<ConfinedFileException>()
            .Which.Problem.Should().Be(ConfinedFileProblem.NotRegular);
    }

    [Fact]
    public void A_path_outside_the_root_is_refused_before_any_open()
    {
        FluentActions.Invoking(() => ConfinedFile.Open(_dump, "/etc/hostname")).Should().Throw<ConfinedFileException>()
            .Which.Problem.Should().Be(ConfinedFileProblem.OutsideRoot);
    }

    [Fact]
    public void A_link_to_a_file_inside_the_dump_directory_opens_the_target_with_its_identity()
    {
        File.WriteAllBytes(In("vmcore.real"), [1, 2, 3, 4, 5]);
        File.CreateSymbolicLink(In("vmcore"), "vmcore.real");

        using var file = ConfinedFile.Open(_root, In("vmcore"));

        file.Length.Should().Be(5);
        file.Status.Kind.Should().Be(FileKind.Regular);
        file.Status.Inode.Should().Be(FileStatus.OfPath(In("vmcore.real")).Inode);
        var buffer = new byte[5];
        RandomAccess.Read(file.Handle, buffer, 0).Should().Be(5);
        buffer.Should().Equal(1, 2, 3, 4, 5);
    }

    // Without openat2 (Linux < 5.6, or a sandbox answering ENOSYS): the component walk follows no link at all.

    [Theory]
    [InlineData("/etc/shadow")]
    [InlineData("/dev/zero")]
    [InlineData("vmcore.real")]
    public void Without_openat2_no_link_is_followed_not_even_inside(string target)
    {
        File.WriteAllBytes(In("vmcore.real"), [1, 2, 3]);
        File.CreateSymbolicLink(In("vmcore"), target);

        FluentActions.Invoking(() => ConfinedFile.Open(_root, In("vmcore"), openAt2: false)).Should().Throw<ConfinedFileException>()
            .Which.Problem.Should().BeOneOf(ConfinedFileProblem.NotRegular, ConfinedFileProblem.OutsideRoot);
    }

    [Fact]
    public void Without_openat2_a_linked_directory_on_the_way_is_not_followed()
    {
        var outside = Directory.CreateTempSubdirectory("kdumpd-outside-").FullName;
        try
        {
            File.WriteAllBytes(Path.Join(outside, "vmcore"), [9]);
            Directory.CreateSymbolicLink(Path.Join(_root, "linked"), outside);

            var e = FluentActions.Invoking(() => ConfinedFile.Open(_root, Path.Join(_root, "linked", "vmcore"), openAt2: false)).Should().Throw<ConfinedFileException>().Which;

            e.Problem.Should().Be(ConfinedFileProblem.OutsideRoot);
            e.Message.Should().Contain("'linked'");
        }
        finally
        {
            Directory.Delete(outside, recursive: true);
        }
    }

    [Fact]
    public void Without_openat2_a_fifo_is_refused_and_a_regular_file_opens()
    {
        MakeFifo(In("fifo"));
        File.WriteAllBytes(In("vmcore"), [1, 2, 3, 4]);

        FluentActions.Invoking(() => ConfinedFile.Open(_root, In("fifo"), openAt2: false)).Should().Throw<ConfinedFileException>()
            .Which.Problem.Should().Be(ConfinedFileProblem.NotRegular);
        using var file = ConfinedFile.Open(_root, In("vmcore"), openAt2: false);
        file.Length.Should().Be(4);
        file.Status.Inode.Should().Be(FileStatus.OfPath(In("vmcore")).Inode);
    }

    [Fact]
    public void Without_openat2_a_missing_file_is_missing()
    {
        FluentActions.Invoking(() => ConfinedFile.Open(_root, In("vmcore"), openAt2: false)).Should().Throw<ConfinedFileException>()
            .Which.Problem.Should().Be(ConfinedFileProblem.Missing);
    }

    [Fact]
    public void File_status_does_not_follow_a_final_link()
    {
        File.CreateSymbolicLink(In("vmcore"), "/etc/passwd");

        FileStatus.OfPath(In("vmcore")).Kind.Should().Be(FileKind.SymbolicLink);
    }

    private static void MakeFifo(string path)
    {
        using var p = Process.Start(new ProcessStartInfo("mkfifo", [path]) { RedirectStandardError = true })!;
        p.WaitForExit();
        p.ExitCode.Should().Be(0);
    }
}
