using Kdumpd.Core.Elf;
using Microsoft.Win32.SafeHandles;

namespace Kdumpd.Core.Dumps;

/// <summary>A dump file opened read-only for positional reads; counts the bytes it reads (bench, tests).</summary>
public sealed class FileDumpSource : IDumpSource, IDisposable
{
    private readonly SafeFileHandle _handle;
    private readonly bool _ownsHandle;

    private FileDumpSource(string path, SafeFileHandle handle, long length, bool ownsHandle = true)
    {
        Name = path;
        _handle = handle;
        Length = length;
        _ownsHandle = ownsHandle;
    }

    public string Name { get; }

    public long Length { get; }

    /// <summary>Total bytes returned by <see cref="ReadAt"/> since the file was opened.</summary>
    public long BytesRead { get; private set; }

    /// <summary>Opens a file; I/O failures become <see cref="InvalidFormatException"/> at offset 0.</summary>
    public static FileDumpSource Open(string path)
    {
        try
        {
            var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            return new FileDumpSource(path, handle, RandomAccess.GetLength(handle));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidFormatException(path, 0, $"cannot open: {e.Message}", e);
        }
    }

    /// <summary>Reads a file that was opened and checked under the dump directory; the caller keeps owning it.</summary>
    public static FileDumpSource Over(ConfinedFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        return new FileDumpSource(file.Path, file.Handle, file.Length, ownsHandle: false);
    }

    public int ReadAt(long offset, Span<byte> buffer)
    {
        try
        {
            var n = RandomAccess.Read(_handle, buffer, offset);
            BytesRead += n;
            return n;
        }
        catch (IOException e)
        {
            throw new InvalidFormatException(Name, offset, $"read failed: {e.Message}", e);
        }
    }

    public void Dispose()
    {
        if (_ownsHandle)
        {
            _handle.Dispose();
        }
    }
}
