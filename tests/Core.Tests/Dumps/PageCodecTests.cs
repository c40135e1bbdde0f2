using System.Diagnostics;
using Kdumpd.Core.Dumps.Memory;

namespace Kdumpd.Core.Tests.Dumps;

/// <summary>The page decompressors on data written by the real compressors where this machine has them, and on hostile input.</summary>
public sealed class PageCodecTests
{
    [Fact]
    public void Zstd_pages_written_by_the_zstd_tool_decompress()
    {
        var page = SamplePage();
        var input = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(input, page);
            var zstd = Process.Start(new ProcessStartInfo("zstd", ["-q", "-f", "--no-check", input, "-o", input + ".zst"]) { RedirectStandardError = true });
            if (zstd is null)
            {
                Assert.Skip("zstd tool not installed");
            }

            zstd.WaitForExit();
            var compressed = File.ReadAllBytes(input + ".zst");
            var output = new byte[4096];

            Zstd.Decompress(compressed, output).Should().Be(4096);
            output.Should().Equal(page);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            Assert.Skip("zstd tool not installed");
        }
        finally
        {
            File.Delete(input);
            File.Delete(input + ".zst");
        }
    }

    [Fact]
    public void Snappy_literal_and_copy_tags_decode()
    {
        // "abcd" + copy(offset 4, length 8) = "abcdabcdabcd"; length varint 12.
        byte[] block = [12, 3 << 2, (byte)'a', (byte)'b', (byte)'c', (byte)'d', 0b000_100_01, 4];
        var output = new byte[12];

        Snappy.Decompress(block, output).Should().Be(12);
        System.Text.Encoding.ASCII.GetString(output).Should().Be("abcdabcdabcd");
    }

    [Fact]
    public void Lzo_literal_run_then_end_marker_decodes()
    {
        // First byte 17+5: five literals, then the M4 end marker 0x11 0x00 0x00.
        byte[] block = [22, (byte)'h', (byte)'e', (byte)'l', (byte)'l', (byte)'o', 0x11, 0, 0];
        var output = new byte[16];

        Lzo1x.Decompress(block, output).Should().Be(5);
        System.Text.Encoding.ASCII.GetString(output, 0, 5).Should().Be("hello");
    }

    [Fact]
    public void Hostile_blocks_never_write_outside_the_page_or_throw()
    {
        var random = new Random(7);
        var output = new byte[4096];
        for (var i = 0; i < 20_000; i++)
        {
            var block = new byte[random.Next(0, 64)];
            random.NextBytes(block);

            Lzo1x.Decompress(block, output).Should().BeLessThanOrEqualTo(4096);
            Snappy.Decompress(block, output).Should().BeLessThanOrEqualTo(4096);
        }
    }

    private static byte[] SamplePage()
    {
        var page = new byte[4096];
        for (var i = 0; i < page.Length; i++)
        {
            page[i] = (byte)(i % 251 < 100 ? 0 : i * 7);
        }

        return page;
    }
}
