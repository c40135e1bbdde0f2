namespace Kdumpd.Core.Tests.Loading;

/// <summary>A fake `kexec` shell script in a temp directory: records its arguments, prints, exits as told.</summary>
internal sealed class FakeKexec : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("kdumpd-kexec-").FullName;

    public FakeKexec(int exitCode = 0, string stderr = "", string stdout = "", double sleepSeconds = 0, string? onSuccessWrite = null)
    {
        Path = System.IO.Path.Join(_dir, "kexec");
        var script = $"""
            #!/bin/sh
            for a in "$@"; do printf '%s\n' "$a"; done >> '{ArgumentsFile}'
            echo '---' >> '{ArgumentsFile}'
            {(sleepSeconds > 0 ? $"sleep {sleepSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)}" : "")}
            printf '%s' '{stdout}'
            printf '%s' '{stderr}' >&2
            {(onSuccessWrite is null ? "" : $"[ {exitCode} -eq 0 ] && echo 1 > '{onSuccessWrite}'")}
            exit {exitCode}
            """;
        File.WriteAllText(Path, script.Replace("\r", "", StringComparison.Ordinal));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    public string Path { get; }

    public string ArgumentsFile => System.IO.Path.Join(_dir, "args");

    /// <summary>The argument lists of every run, in order.</summary>
    public List<List<string>> Runs()
    {
        if (!File.Exists(ArgumentsFile))
        {
            return [];
        }

        var runs = new List<List<string>>();
        var current = new List<string>();
        foreach (var line in File.ReadAllLines(ArgumentsFile))
        {
            if (line == "---")
            {
                runs.Add(current);
                current = [];
            }
            else
            {
                current.Add(line);
            }
        }

        return runs;
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
