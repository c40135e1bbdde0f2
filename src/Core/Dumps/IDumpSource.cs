using Kdumpd.Core.Elf;

namespace Kdumpd.Core.Dumps;

/// <summary>
/// Random access to the bytes of a dump: a plain file, a flattened file seen through its records,
/// or memory (tests, fuzzing). Reads are positional so readers never depend on a stream cursor.
/// </summary>
public interface IDumpSource
{
    /// <summary>Name used in error messages (the file path).</summary>
    string Name { get; }

    /// <summary>Logical length in bytes.</summary>
    long Length { get; }

    /// <summary>Reads up to <paramref name="buffer"/>.Length bytes at <paramref name="offset"/>; returns the count read (0 at the end).</summary>
    int ReadAt(long offset, Span<byte> buffer);
}

public static class DumpSourceExtensions
{
    /// <summary>Reads exactly buffer.Length bytes or throws <see cref="InvalidFormatException"/> naming what was being read.</summary>
    public static void ReadExactly(this IDumpSource source, long offset, Span<byte> buffer, string what)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (offset < 0 || offset > source.Length || buffer.Length > source.Length - offset)
        {
            throw new InvalidFormatException(source.Name, offset, $"{what}: {buffer.Length} bytes needed, the file ends at {source.Length} (truncated)");
        }

        var done = 0;
        while (done < buffer.Length)
        {
            var n = source.ReadAt(offset + done, buffer[done..]);
            if (n <= 0)
            {
                throw new InvalidFormatException(source.Name, offset + done, $"{what}: unexpected end of data (truncated)");
            }

            done += n;
        }
    }

    /// <summary>Reads as many bytes as exist at offset (up to buffer.Length) and returns the count.</summary>
    public static int ReadAtMost(this IDumpSource source, long offset, Span<byte> buffer)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (offset < 0 || offset >= source.Length)
        {
            return 0;
        }

        var want = (int)Math.Min(buffer.Length, source.Length - offset);
        var done = 0;
        while (done < want)
        {
            var n = source.ReadAt(offset + done, buffer[done..want]);
            if (n <= 0)
            {
                break;
            }

            done += n;
        }

        return done;
    }
}
