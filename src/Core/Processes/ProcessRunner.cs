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
        var startInfo = StartInfo(fileName, arguments, redirect: true);
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

    /// <summary>
    /// Runs a child whose output goes where this process's goes (in the capture initrd: the console, so
    /// makedumpfile's and lvm's own messages reach the operator); its exit code, or -1 when it cannot start.
    /// </summary>
    public static async Task<int> RunAttachedAsync(string fileName, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        try
        {
            using var process = Process.Start(StartInfo(fileName, arguments, redirect: false));
            if (process is null)
            {
                return -1;
            }

            await process.WaitForExitAsync(cancellationToken);
            return process.ExitCode;
        }
        catch (Win32Exception)
        {
            return -1;
        }
    }

    private static ProcessStartInfo StartInfo(string fileName, IReadOnlyList<string> arguments, bool redirect)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(fileName);
        ArgumentNullException.ThrowIfNull(arguments);
        var startInfo = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = redirect,
            RedirectStandardError = redirect,
            RedirectStandardInput = redirect,
            UseShellExecute = false,
        };
        if (redirect)
        {
            startInfo.StandardOutputEncoding = Encoding.UTF8;
            startInfo.StandardErrorEncoding = Encoding.UTF8;
        }

        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        return startInfo;
    }
}
