using System.Diagnostics;

namespace Kdumpd.Daemon.Tests.Egress;

/// <summary>
/// The real daemon as a child process (<c>kdumpd run --sample</c> from the test's output directory:
/// the captured sample host, the dry-run loader) on a given configuration, dump directory and
/// database, so a test can kill it with SIGKILL and start it again as systemd would.
/// </summary>
internal sealed class DaemonProcess : IDisposable
{
    private readonly string _log;
    private Process? _process;

    public DaemonProcess(string root, string config, string dumpDir, string database)
    {
        _log = Path.Join(root, "kdumpd.log");
        Arguments = [Path.Join(AppContext.BaseDirectory, "kdumpd.dll"), "run", "--sample", "--config", config, "--dump-dir", dumpDir,
            "--database", database, "--urls", "http://127.0.0.1:0"];
    }

    public IReadOnlyList<string> Arguments { get; }

    /// <summary>What the daemon wrote to stdout and stderr, for failure messages.</summary>
    public string Log => File.Exists(_log) ? File.ReadAllText(_log) : "";

    public bool HasExited => _process is null || _process.HasExited;

    public void Start()
    {
        // The dotnet host that runs the tests runs the daemon too (DOTNET_HOST_PATH is set by dotnet test).
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in Arguments)
        {
            info.ArgumentList.Add(a);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("cannot start kdumpd");
        var log = new StreamWriter(_log, append: true) { AutoFlush = true };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (log) { log.WriteLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (log) { log.WriteLine(e.Data); } } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
    }

    /// <summary>SIGKILL: no shutdown, no flush, exactly what a crash or the OOM killer does.</summary>
    public void KillNine()
    {
        if (_process is { HasExited: false } p)
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit(10_000);
        }

        _process?.Dispose();
        _process = null;
    }

    public void Dispose() => KillNine();
}
