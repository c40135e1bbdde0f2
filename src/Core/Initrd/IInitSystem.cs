namespace Kdumpd.Core.Initrd;

/// <summary>
/// What /init asks of the capture kernel: the seam between the capture steps and the syscalls, so the
/// steps run in tests against a directory and a recording fake.
/// </summary>
public interface IInitSystem
{
    /// <summary>mount(2); returns 0 or the errno.</summary>
    int Mount(string source, string target, string type, string? options = null);

    /// <summary>umount(2) of <paramref name="target"/>; returns 0 or the errno.</summary>
    int Unmount(string target);

    /// <summary>finit_module(2) of the file at <paramref name="path"/>; 0, or the errno (EEXIST = already loaded).</summary>
    int LoadModule(string path, bool compressed);

    /// <summary>Names of the block devices the kernel knows now (/sys/class/block).</summary>
    IReadOnlyList<string> BlockDevices();

    /// <summary>The first <paramref name="count"/> bytes of /dev/&lt;name&gt;, fewer if the device is smaller; null if it cannot be read.</summary>
    byte[]? ReadDeviceHead(string name, int count);

    /// <summary>Runs a program of the initrd (lvm) to its end; returns its exit code, or -1 when it cannot start.</summary>
    Task<int> RunAsync(string program, IReadOnlyList<string> arguments, CancellationToken cancellationToken);

    /// <summary>sync(2).</summary>
    void Sync();

    /// <summary>reboot(2) with RB_AUTOBOOT or RB_POWER_OFF; does not return when it works.</summary>
    void Reboot(bool powerOff);

    /// <summary>One line on the console for whoever watches the serial port.</summary>
    void Console(string line);

    /// <summary>Waits; the fake in tests does not.</summary>
    Task Delay(TimeSpan delay, CancellationToken cancellationToken);
}
