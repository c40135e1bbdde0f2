namespace Kdumpd.Core.Dumps;

/// <summary>
/// A dump file is malformed, truncated or hostile: names the file, the byte offset where the
/// problem was found and what is wrong. The only exception type the dump readers let out.
/// </summary>
public sealed class InvalidDumpException : Exception
{
    public InvalidDumpException(string file, long offset, string what)
        : base($"{file}: at offset {offset} (0x{offset:x}): {what}")
    {
        File = file;
        Offset = offset;
        What = what;
    }

    public InvalidDumpException(string file, long offset, string what, Exception inner)
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
