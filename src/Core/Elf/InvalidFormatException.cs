namespace Kdumpd.Core.Elf;

/// <summary>
/// A binary image (ELF core header, vmcore, kdump-compressed or flattened dump) that is malformed,
/// truncated or hostile: names the file, the byte offset where the problem was found and what is
/// wrong. The one exception the format readers let out.
/// </summary>
public sealed class InvalidFormatException : Exception
{
    public InvalidFormatException(string file, long offset, string what)
        : base($"{file}: at offset {offset} (0x{offset:x}): {what}")
    {
        File = file;
        Offset = offset;
        What = what;
    }

    public InvalidFormatException(string file, long offset, string what, Exception inner)
        : base($"{file}: at offset {offset} (0x{offset:x}): {what}", inner)
    {
        File = file;
        Offset = offset;
        What = what;
    }

    public string File { get; }

    public long Offset { get; }

    public string What { get; }
}
