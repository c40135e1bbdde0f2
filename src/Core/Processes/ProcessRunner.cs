using System.ComponentModel;
using System.Diagnostics;
using System.Text;

namespace Kdumpd.Core.Processes;

/// <summary>Runs a child with redirected output and a hard timeout; never throws for a failing child.</summary>
public sealed class ProcessRunner : IProcessRunner
{
    public string? Find(string program) => ExecutableLocator.Find(program);

    public async Task<ProcessResult> RunAsync(string fileName, IReadOnlyList<string> arguments, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(fileName);
        ArgumentNullException.ThrowIfNull(arguments);

        var startInfo = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        var stopwatch = Stopwatch.StartNew();
        using var process = new Process { StartInfo = startInfo };
        try
        {
            process.Start();
        }
        catch (Win32Exception e)
        {
            return new ProcessResult(null, "", "", TimedOut: false, stopwatch.Elapsed, $"cannot start {fileName}: {e.Message}");
        }

        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var timedOut = false;
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            timedOut = !cancellationToken.IsCancellationRequested;
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            if (!timedOut)
            {
                throw;
            }
        }

        // The pipes close when the child (and any grandchild holding them) is gone.
        var output = await stdout;
        var error = await stderr;
        return new ProcessResult(timedOut ? null : process.ExitCode, output, error, timedOut, stopwatch.Elapsed);
    }
}
