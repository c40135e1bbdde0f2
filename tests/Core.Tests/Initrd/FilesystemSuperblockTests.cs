using Kdumpd.Core.Initrd;

namespace Kdumpd.Core.Tests.Initrd;

public sealed class FilesystemSuperblockTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("kdumpd-fs-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Ext4_uuid_is_the_one_blkid_reads()
    {
        Assert.SkipWhen(ToolRunner.Find("mkfs.ext4") is null || ToolRunner.Find("blkid") is null, "e2fsprogs/util-linux (mkfs.ext4, blkid) are not installed");
        var image = Path.Join(_root, "fs.img");
        File.WriteAllBytes(image, new byte[8 << 20]);
        Assert.Equal(0, ToolRunner.Run("mkfs.ext4", $"-q -F {image}").ExitCode);

        var head = File.ReadAllBytes(image).AsSpan(0, FilesystemSuperblock.ProbeBytes);
        var signature = FilesystemSuperblock.Probe(head);

        var blkid = ToolRunner.Run("blkid", $"-s UUID -o value {image}").Output.Trim();
        Assert.Equal(new FilesystemSignature("ext4", blkid), signature);
    }

    [Fact]
    public void Luks_header_is_recognised_as_encrypted()
    {
        var head = new byte[FilesystemSuperblock.ProbeBytes];
        "LUKS"u8.CopyTo(head);
        head[4] = 0xBA;
        head[5] = 0xBE;
        "0b7e5c2a-8f2b-4a57-9c55-6c1e0f6f2f10"u8.CopyTo(head.AsSpan(168));

        Assert.Equal(new FilesystemSignature("crypto_LUKS", "0b7e5c2a-8f2b-4a57-9c55-6c1e0f6f2f10"), FilesystemSuperblock.Probe(head));
    }

    [Fact]
    public void Zeros_and_short_reads_are_no_filesystem()
    {
        Assert.Null(FilesystemSuperblock.Probe(new byte[FilesystemSuperblock.ProbeBytes]));
        Assert.Null(FilesystemSuperblock.Probe(new byte[100]));
    }
}
