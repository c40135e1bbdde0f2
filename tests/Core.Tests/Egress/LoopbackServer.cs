using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Kdumpd.Core.Tests.Egress;

/// <summary>
/// A real server process on a loopback port, started, killed (with its children: a stopped
/// server drops every connection) and restarted on the same port and data by the tests.
/// </summary>
internal abstract class LoopbackServer : IDisposable
{
    private Process? _process;

    protected LoopbackServer(string name)
    {
        Root = Directory.CreateTempSubdirectory($"kdumpd-{name}-").FullName;
        Port = FreePort();
    }

    public string Root { get; }

    public int Port { get; }

    public string Log => Path.Join(Root, "server.log");

    public bool IsRunning => _process is { HasExited: false };

    protected abstract ProcessStartInfo StartInfo();

    public void Start()
    {
        var info = StartInfo();
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        var process = Process.Start(info) ?? throw new InvalidOperationException($"cannot start {info.FileName}");
        var log = new StreamWriter(Log, append: true) { AutoFlush = true };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (log) { log.WriteLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (log) { log.WriteLine(e.Data); } } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"{info.FileName} exited with {process.ExitCode}: {File.ReadAllText(Log)}");
            }

            try
            {
                using var probe = new TcpClient();
                probe.Connect(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                Thread.Sleep(50);
            }
        }

        throw new TimeoutException($"{info.FileName} did not listen on 127.0.0.1:{Port} within 30 s: {File.ReadAllText(Log)}");
    }

    public void Stop()
    {
        if (_process is { HasExited: false } p)
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit(10_000);
        }

        _process?.Dispose();
        _process = null;
    }

    public void Dispose()
    {
        Stop();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    protected static string Run(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        using var p = Process.Start(info)!;
        var output = p.StandardOutput.ReadToEnd();
        var error = p.StandardError.ReadToEnd();
        p.WaitForExit();
        return p.ExitCode == 0 ? output : throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {p.ExitCode}: {error}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
