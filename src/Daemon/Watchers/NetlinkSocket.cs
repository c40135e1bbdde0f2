using System.Net.Sockets;
using System.Runtime.InteropServices;
using Kdumpd.Core.Units;

namespace Kdumpd.Daemon.Watchers;

/// <summary>
/// Opens the kernel's uevent multicast socket. .NET cannot do this itself: AddressFamily has no
/// Netlink, <c>new Socket((AddressFamily)16, ...)</c> fails and <c>Socket.Bind</c> refuses a netlink
/// address (measured, shared/dotnet-packages.md §3). So socket() and bind() go through libc and the
/// descriptor is wrapped in a managed Socket for async receive.
/// </summary>
internal static partial class NetlinkSocket
{
    private const int AfNetlink = 16;
    private const int SockRaw = 3;
    private const int SockCloexec = 0x80000; // O_CLOEXEC on x86_64 and aarch64
    private const int NetlinkKobjectUevent = 15;

    /// <summary>Group 1 is the kernel's own broadcast; udev re-broadcasts on group 2.</summary>
    private const uint KernelGroup = 1;

    /// <summary>The socket, or null with the reason (errno named) when the host does not allow it.</summary>
    public static Socket? TryOpenKobjectUevent(out string? error)
    {
        var fd = socket(AfNetlink, SockRaw | SockCloexec, NetlinkKobjectUevent);
        if (fd < 0)
        {
            error = $"socket(AF_NETLINK, SOCK_RAW, NETLINK_KOBJECT_UEVENT) failed: {ErrnoText.Describe(Marshal.GetLastPInvokeError())}";
            return null;
        }

        var handle = new SafeSocketHandle(fd, ownsHandle: true);
        var address = new SockaddrNl { Family = AfNetlink, Pid = 0, Groups = KernelGroup };
        int rc;
        unsafe
        {
            rc = bind(fd, &address, sizeof(SockaddrNl));
        }

        if (rc != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            handle.Dispose();
            error = $"bind(nl_groups=1) failed: {ErrnoText.Describe(errno)}";
            return null;
        }

        error = null;
        return new Socket(handle);
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct SockaddrNl
    {
        public ushort Family;
        public ushort Pad;
        public uint Pid;
        public uint Groups;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int socket(int domain, int type, int protocol);

    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial int bind(int fd, SockaddrNl* address, int length);
}
