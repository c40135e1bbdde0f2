using System.Runtime.InteropServices;
using System.Text;
using Kdumpd.Core.Reload;
using Kdumpd.Core.Watch;

namespace Kdumpd.Daemon.Watchers;

/// <summary>
/// Follows the kernel log (<see cref="WatchOptions.KmsgPath"/>, default /dev/kmsg) for the kernel's
/// "crash hp: ..." failures (<see cref="CrashHotplugFailureDetector"/>): when the kernel could not
/// rewrite the loaded header itself, only a full reload makes the next dump complete.
/// The device is opened non-blocking and positioned at its end (old records are history, not
/// news); each read() returns one record. A regular file or a FIFO (tests) is followed like tail -f.
/// </summary>
public sealed partial class KmsgWatcher : BackgroundService
{
    public const string WatcherName = "kmsg";

    private const int ORdonly = 0;
    private const int ONonblock = 0x800;
    private const int OCloexec = 0x80000;
    private const int SeekEnd = 2;
    private const int Eintr = 4;
    private const int Eagain = 11;
    private const int Epipe = 32;

    /// <summary>A kmsg record is at most ~8 KiB with its metadata; read() fails with EINVAL on a smaller buffer.</summary>
    private const int RecordBufferBytes = 16 * 1024;

    /// <summary>A partial line longer than this (a file without newlines) is dropped, not grown.</summary>
    private const int MaxLineBytes = 64 * 1024;

    private static readonly TimeSpan _pollInterval = TimeSpan.FromMilliseconds(250);

    private readonly ReloadCoordinator _coordinator;
    private readonly string? _path;
    private readonly ILogger<KmsgWatcher> _log;
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public KmsgWatcher(ReloadCoordinator coordinator, WatchOptions options, ILogger<KmsgWatcher> log)
    {
        ArgumentNullException.ThrowIfNull(options);
        _coordinator = coordinator;
        _path = options.KmsgPath;
        _log = log;
    }

    /// <summary>True once the log is open and positioned; false when it could not be opened or is disabled.</summary>
    public bool Following { get; private set; }

    public string? Problem { get; private set; }

    /// <summary>Kernel log records read since start (all of them, not only failures).</summary>
    public long RecordsRead => Interlocked.Read(ref _recordsRead);

    private long _recordsRead;

    /// <summary>Completes once the watcher follows the log or has given up.</summary>
    public Task Ready => _ready.Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (string.IsNullOrWhiteSpace(_path))
        {
            Disable("disabled by configuration");
            return;
        }

        var fd = open(_path, ORdonly | ONonblock | OCloexec);
        if (fd < 0)
        {
            Disable($"open({_path}) failed: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
            return;
        }

        try
        {
            // Skip the backlog. Fails with ESPIPE on a FIFO, which has no backlog anyway.
            _ = lseek(fd, 0, SeekEnd);
            Following = true;
            _coordinator.Stats.SetWatcher(WatcherName, true, _path);
            if (_log.IsEnabled(LogLevel.Information))
            {
                _log.LogInformation("Following {Path} for crash hotplug failures", _path);
            }
            _ready.TrySetResult();
            await FollowAsync(fd, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // shutting down
        }
        finally
        {
            _ = close(fd);
            Following = false;
            _coordinator.Stats.SetWatcher(WatcherName, false, Problem ?? "stopped");
        }
    }

    private void Disable(string problem)
    {
        Problem = problem;
        _coordinator.Stats.SetWatcher(WatcherName, false, problem);
        _log.LogWarning("Not following the kernel log: {Problem}. A failed in-kernel crash hotplug update will not force a reload", problem);
        _ready.TrySetResult();
    }

    private async Task FollowAsync(int fd, CancellationToken stoppingToken)
    {
        var buffer = new byte[RecordBufferBytes];
        var line = new List<byte>();
        while (!stoppingToken.IsCancellationRequested)
        {
            var count = Read(fd, buffer);
            if (count > 0)
            {
                Split(buffer.AsSpan(0, (int)count), line);
                continue;
            }

            if (count < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno == Epipe)
                {
                    // The ring buffer overwrote records before we read them; the next read resumes.
                    _log.LogWarning("Kernel log records were overwritten before kdumpd read them");
                    continue;
                }

                if (errno != Eagain && errno != Eintr)
                {
                    Problem = $"read({_path}) failed: {Marshal.GetPInvokeErrorMessage(errno)}";
                    _log.LogError("Stopped following the kernel log: {Problem}", Problem);
                    return;
                }
            }

            // Nothing yet (EAGAIN), end of file, or a FIFO without a writer: look again shortly.
            await Task.Delay(_pollInterval, _coordinator.Time, stoppingToken);
        }
    }

    private static unsafe nint Read(int fd, byte[] buffer)
    {
        fixed (byte* p = buffer)
        {
            return read(fd, p, buffer.Length);
        }
    }

    private void Split(ReadOnlySpan<byte> chunk, List<byte> line)
    {
        while (!chunk.IsEmpty)
        {
            var newline = chunk.IndexOf((byte)'\n');
            if (newline < 0)
            {
                if (line.Count + chunk.Length <= MaxLineBytes)
                {
                    line.AddRange(chunk);
                }

                return;
            }

            line.AddRange(chunk[..newline]);
            HandleLine(Encoding.UTF8.GetString(CollectionsMarshal.AsSpan(line)));
            line.Clear();
            chunk = chunk[(newline + 1)..];
        }
    }

    internal void HandleLine(string text)
    {
        if (!KmsgRecord.TryParse(text, out var record))
        {
            return;
        }

        Interlocked.Increment(ref _recordsRead);
        if (!CrashHotplugFailureDetector.IsFailure(record))
        {
            return;
        }

        _coordinator.Stats.RecordKmsgFailure();
        _log.LogWarning("The kernel could not update the loaded crash header itself ({KernelMessage}); forcing a full reload", record.Message);
        _coordinator.Post(ReloadTrigger.KmsgFailure(record.Message, _coordinator.Time.GetUtcNow()));
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int open(string path, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial nint read(int fd, byte* buffer, nint count);

    [LibraryImport("libc", SetLastError = true)]
    private static partial long lseek(int fd, long offset, int whence);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int close(int fd);
}
