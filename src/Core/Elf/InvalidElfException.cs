namespace Kdumpd.Core.Elf;

/// <summary>An ELF image that is not what it claims: names the file, the byte offset and the problem.</summary>
public sealed class InvalidElfException : IOException
{
    public InvalidElfException(string file, long offset, string problem)
        : base($"{file}: at offset {offset}: {problem}")
    {
        File = file;
        Offset = offset;
        Problem = problem;
    }

    public string File { get; }

    public long Offset { get; }

    public string Problem { get; }
}
