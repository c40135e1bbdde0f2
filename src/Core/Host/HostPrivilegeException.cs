namespace Kdumpd.Core.Host;

/// <summary>
/// The host hid what we need from an unprivileged reader: /proc/iomem shows all-zero addresses,
/// /sys/kernel/vmcoreinfo or /proc/kcore is unreadable. Planning from that would be planning from zeros.
/// </summary>
public sealed class HostPrivilegeException : HostFileException
{
    public HostPrivilegeException(string hostPath, string filePath, string problem)
        : base(hostPath, filePath, $"{problem}: run as root")
    {
    }
}
