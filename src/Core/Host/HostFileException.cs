namespace Kdumpd.Core.Host;

/// <summary>A host file that is missing or malformed: names the host path, the real file and, where known, the line.</summary>
public class HostFileException : Exception
{
    public HostFileException(string hostPath, string filePath, string problem, int? line = null)
        : base(line is null ? $"{filePath}: {problem}" : $"{filePath}:{line}: {problem}")
    {
        HostPath = hostPath;
        FilePath = filePath;
        Problem = problem;
        Line = line;
    }

    public string HostPath { get; }

    public string FilePath { get; }

    public string Problem { get; }

    public int? Line { get; }
}
