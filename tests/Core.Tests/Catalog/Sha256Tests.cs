using System.Text;
using Kdumpd.Core.Catalog;

namespace Kdumpd.Core.Tests.Catalog;

public class Sha256Tests
{
    [Theory]
    [InlineData("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")]
    [InlineData("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")]
    [InlineData("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")]
    public void Managed_sha256_gives_the_FIPS_180_examples(string text, string expected) =>
        Assert.Equal(expected, Convert.ToHexStringLower(Sha256.HashData(Encoding.ASCII.GetBytes(text))));

    [Fact]
    public void Managed_sha256_equals_the_BCL_at_every_length_across_the_padding_boundaries()
    {
        var data = new byte[300];
        new Random(11).NextBytes(data);
        for (var length = 0; length <= data.Length; length++)
        {
            var input = data.AsSpan(0, length);
            Assert.Equal(System.Security.Cryptography.SHA256.HashData(input), Sha256.HashData(input));
        }
    }

    [Fact]
    public void Dump_id_is_still_the_first_16_hex_digits_of_sha256_of_the_folder_name()
    {
        const string folder = "20261130T111400Z-capture-initrd";
        var expected = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(folder)))[..DumpId.Length];
        Assert.Equal(expected, DumpId.For(folder));
    }
}
