using System.Security.Cryptography;
using Kdumpd.Core.Planning;

namespace Kdumpd.Core.Tests.Planning;

public sealed class FileDigestsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("kdumpd-digests-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Kernel(byte fill, int size = 100_000)
    {
        var path = Path.Join(_dir, "vmlinuz");
        File.WriteAllBytes(path, Enumerable.Repeat(fill, size).ToArray());
        return path;
    }

    private static string Expected(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));

    private static CaptureImageIdentity Read(string path, FileDigests digests) => CaptureImageIdentity.ReadFile("/boot/vmlinuz", path, digests);

    [Fact]
    public void An_unchanged_file_is_hashed_once_and_its_digest_survives_the_process()
    {
        var kernel = Kernel(1);
        var file = Path.Join(_dir, "capture-digests.json");
        var first = FileDigests.At(file);

        Read(kernel, first).Sha256.Should().Be(Expected(kernel));
        Read(kernel, first).Sha256.Should().Be(Expected(kernel));
        first.Computed.Should().Be(1);
        first.Save();

        var next = FileDigests.At(file);
        Read(kernel, next).Sha256.Should().Be(Expected(kernel));
        next.Computed.Should().Be(0, "the next process (the next boot) reads the digest from the file");
        new FileInfo(file).UnixFileMode.Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    [Fact]
    public void A_file_rewritten_with_the_same_size_and_mtime_is_hashed_again()
    {
        var kernel = Kernel(1);
        var digests = FileDigests.InMemory();
        Read(kernel, digests);
        var mtime = File.GetLastWriteTimeUtc(kernel);

        // Same size, mtime set back: only ctime (which no program can set back) tells the contents changed.
        Thread.Sleep(20);
        File.WriteAllBytes(kernel, Enumerable.Repeat((byte)2, 100_000).ToArray());
        File.SetLastWriteTimeUtc(kernel, mtime);

        Read(kernel, digests).Sha256.Should().Be(Expected(kernel));
        digests.Computed.Should().Be(2);
    }

    [Fact]
    public void A_file_replaced_by_rename_is_hashed_again()
    {
        var kernel = Kernel(1);
        var digests = FileDigests.InMemory();
        Read(kernel, digests);

        var staged = Path.Join(_dir, "vmlinuz.new");
        File.WriteAllBytes(staged, Enumerable.Repeat((byte)3, 100_000).ToArray());
        File.Move(staged, kernel, overwrite: true);

        Read(kernel, digests).Sha256.Should().Be(Expected(kernel));
        digests.Computed.Should().Be(2);
    }

    [Theory]
    [InlineData("not json at all")]
    [InlineData("{\"version\": 1, \"files\": [{\"path\": \"/x\", \"sha256\": \"zz\"}]}")]
    [InlineData("{\"version\": 2, \"files\": []}")]
    [InlineData("[]")]
    public void A_malformed_digest_file_is_ignored_and_rewritten(string content)
    {
        var kernel = Kernel(1);
        var file = Path.Join(_dir, "capture-digests.json");
        File.WriteAllText(file, content);

        var digests = FileDigests.At(file);
        Read(kernel, digests).Sha256.Should().Be(Expected(kernel));
        digests.Computed.Should().Be(1);
        digests.Save();

        var next = FileDigests.At(file);
        Read(kernel, next);
        next.Computed.Should().Be(0);
    }

    [Fact]
    public void A_forged_entry_for_another_identity_is_never_served()
    {
        var kernel = Kernel(1);
        var file = Path.Join(_dir, "capture-digests.json");
        File.WriteAllText(file, $$"""{"version": 1, "files": [{"path": "{{kernel}}", "device": 1, "inode": 2, "size": 100000, "mtimeNs": 0, "ctimeNs": 0, "sha256": "{{new string('a', 64)}}"}]}""");

        Read(kernel, FileDigests.At(file)).Sha256.Should().Be(Expected(kernel));
    }

    [Fact]
    public void A_digest_file_that_cannot_be_written_fails_nothing()
    {
        var kernel = Kernel(1);
        var digests = FileDigests.At(Path.Join(_dir, "no-such-directory", "capture-digests.json"));

        Read(kernel, digests).Sha256.Should().Be(Expected(kernel));
        digests.Save();

        File.Exists(Path.Join(_dir, "no-such-directory", "capture-digests.json")).Should().BeFalse();
    }
}
