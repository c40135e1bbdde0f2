using System.IO.MemoryMappedFiles;

namespace Kdumpd.Core.Elf;

/// <summary>
/// A file mapped read-only and seen as one span: a parser that looks at an executable's headers and
/// dynamic section reads only the pages it touches, not the whole 30 MB binary (every plan pass resolves
/// the capture initrd's shared libraries from kdumpd-init, makedumpfile and lvm).
/// </summary>
public sealed unsafe class MappedFile : IDisposable
{
    private readonly MemoryMappedFile? _map;
    private readonly MemoryMappedViewAccessor? _view;
    private readonly byte* _start;
    private readonly int _length;

    private MappedFile(MemoryMappedFile? map, MemoryMappedViewAccessor? view, byte* start, int length)
    {
        _map = map;
        _view = view;
        _start = start;
        _length = length;
    }

    /// <summary>The file's bytes; valid until <see cref="Dispose"/>.</summary>
    public ReadOnlySpan<byte> Span => new(_start, _length);

    /// <summary>Maps <paramref name="path"/>; an empty file gives an empty span (a zero-length mapping is an error).</summary>
    public static MappedFile Open(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1);
        if (file.Length == 0)
        {
            return new MappedFile(null, null, null, 0);
        }

        if (file.Length > int.MaxValue)
        {
            throw new IOException($"{path} is {file.Length} bytes: too large to read as one span");
        }

        var map = MemoryMappedFile.CreateFromFile(file, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
        try
        {
            var view = map.CreateViewAccessor(0, file.Length, MemoryMappedFileAccess.Read);
            byte* pointer = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
            return new MappedFile(map, view, pointer + view.PointerOffset, (int)file.Length);
        }
        catch
        {
            map.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        if (_view is not null)
        {
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _view.Dispose();
        }

        _map?.Dispose();
    }
}
