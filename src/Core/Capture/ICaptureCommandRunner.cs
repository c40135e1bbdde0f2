using System.Diagnostics;

namespace Kdumpd.Core.Capture;

/// <summary>Runs an external program for the capture (makedumpfile, systemctl): the seam tests replace.</summary>
public interface ICaptureCommandRunner
{
    /// <summary>The full path of a program found on PATH, or null.</summary>
    string? Find(string program);

    Task<CommandOutcome> RunAsync(string program, IReadOnlyList<string> arguments, CancellationToken cancellationToken);
}

public sealed record CommandOutcome(int ExitCode, string Output);

/// <summary>Runs programs with System.Diagnostics.Process, output captured (bounded) for the log.</summary>
public sealed class CaptureCommandRunner : ICaptureCommandRunner
{
    private const int MaxOutputChars = 64 * 1024;

    public string? Find(string program)
    {
        ArgumentException.ThrowIfNullOrEmpty(program);
        if (program.Contains('/', StringComparison.Ordinal))
        {
            return File.Exists(program) ? program : null;
        }

        var path = Environment.GetEnvironmentVariable("PATH") ?? "/usr/sbin:/usr/bin:/sbin:/bin";
        return path.Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Join(dir, program))
            .FirstOrDefault(File.Exists);
    }

    public async Task<CommandOutcome> RunAsync(string program, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in arguments)
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info) ?? throw new IOException($"cannot start {program}");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        var output = (await stdout) + (await stderr);
        if (output.Length > MaxOutputChars)
        {
            output = output[^MaxOutputChars..];
        }

        return new CommandOutcome(process.ExitCode, output);
    }
}
