using System.Net.Sockets;
using Kdumpd.Core.Hotplug;
using Kdumpd.Core.Reload;
using Kdumpd.Core.Watch;

namespace Kdumpd.Daemon.Watchers;

/// <summary>Where the uevent listener stands.</summary>
public enum UeventListenerState
{
    Starting,

    /// <summary>Bound to NETLINK_KOBJECT_UEVENT group 1 and receiving.</summary>
    Listening,

    /// <summary>No socket (not root, no netlink in this container...): the periodic reconcile is the only net.</summary>
    Unavailable,

    Stopped,
}

/// <summary>
/// Receives the kernel's uevents and hands each datagram to the <see cref="UeventDispatcher"/>.
/// If the socket cannot be opened the daemon keeps running without it, says so once, and shows it
/// in <see cref="State"/> and the stats' watcher table.
/// </summary>
public sealed class NetlinkUeventListener : BackgroundService
{
    public const string WatcherName = "netlink-uevent";

    /// <summary>Asked of the kernel so a burst of thousands of memory blocks fits; capped by net.core.rmem_max.</summary>
    private const int ReceiveBufferBytes = 4 * 1024 * 1024;

    private readonly ReloadCoordinator _coordinator;
    private readonly UeventDispatcher _dispatcher;
    private readonly ILogger<NetlinkUeventListener> _log;
    private volatile UeventListenerState _state = UeventListenerState.Starting;

    public NetlinkUeventListener(ReloadCoordinator coordinator, UeventDispatcher dispatcher, ILogger<NetlinkUeventListener> log)
    {
        _coordinator = coordinator;
        _dispatcher = dispatcher;
        _log = log;
    }

    public UeventListenerState State => _state;

    /// <summary>Why the listener is <see cref="UeventListenerState.Unavailable"/>, or the last receive error.</summary>
    public string? Problem { get; private set; }

    /// <summary>Completes once the listener is Listening or Unavailable.</summary>
    public Task Ready => _ready.Task;

    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var socket = NetlinkSocket.TryOpenKobjectUevent(out var error);
        if (socket is null)
        {
            Problem = error;
            _state = UeventListenerState.Unavailable;
            _coordinator.Stats.SetWatcher(WatcherName, false, error);
            _log.LogWarning("Hotplug uevents are NOT watched: {Problem}. Memory/CPU changes are only caught by the periodic reconcile", error);
            _ready.TrySetResult();
            return;
        }

        using (socket)
        {
            try
            {
                socket.ReceiveBufferSize = ReceiveBufferBytes;
            }
            catch (SocketException ex)
            {
                if (_log.IsEnabled(LogLevel.Debug))
                {
                    _log.LogDebug("Could not raise the uevent receive buffer: {Error}", ex.SocketErrorCode);
                }
            }

            _state = UeventListenerState.Listening;
            _coordinator.Stats.SetWatcher(WatcherName, true, null);
            _log.LogInformation("Listening for kernel uevents (NETLINK_KOBJECT_UEVENT, group 1)");
            _ready.TrySetResult();
            try
            {
                await ReceiveLoopAsync(socket, stoppingToken);
            }
            finally
            {
                _state = UeventListenerState.Stopped;
                _coordinator.Stats.SetWatcher(WatcherName, false, "stopped");
            }
        }
    }

    private async Task ReceiveLoopAsync(Socket socket, CancellationToken stoppingToken)
    {
        // One byte more than the parser accepts, so an oversized datagram is seen as such rather than cut to fit.
        var buffer = GC.AllocateUninitializedArray<byte>(UeventParser.MaxMessageBytes + 1);
        while (!stoppingToken.IsCancellationRequested)
        {
            int received;
            try
            {
                received = await socket.ReceiveAsync(buffer, SocketFlags.None, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.NoBufferSpaceAvailable)
            {
                // ENOBUFS: the kernel dropped uevents for us. Which ones is unknown: re-read the host.
                Problem = "uevents lost (ENOBUFS)";
                _log.LogWarning("The uevent socket overflowed (ENOBUFS): events were lost, re-reading the host");
                _coordinator.Post(ReloadTrigger.UeventOverflow("netlink receive queue overflowed (ENOBUFS)", _coordinator.Time.GetUtcNow()));
                continue;
            }
            catch (SocketException ex)
            {
                Problem = ex.Message;
                _log.LogError(ex, "Receiving a uevent failed ({Error}); retrying in 1 s", ex.SocketErrorCode);
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), _coordinator.Time, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                continue;
            }

            _dispatcher.Dispatch(buffer.AsSpan(0, received));
        }
    }
}
