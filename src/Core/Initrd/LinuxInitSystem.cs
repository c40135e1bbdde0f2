using System.Runtime.InteropServices;
using Kdumpd.Core.Processes;

namespace Kdumpd.Core.Initrd;

/// <summary>The real <see cref="IInitSystem"/>: libc's mount, umount2, syscall(finit_module), sync and reboot.</summary>
public sealed partial class LinuxInitSystem : IInitSystem
{
    /// <summary>finit_module's flag for an xz/zstd/gzip module the kernel decompresses (CONFIG_MODULE_DECOMPRESS).</summary>
    private const int ModuleInitCompressedFile = 4;
    private const int RebootAutoboot = 0x01234567;
    private const int RebootPowerOff = 0x4321FEDC;
    private const int MntDetach = 2;

    public int Mount(string source, string target, string type, string? options = null) =>
        MountNative(source, target, type, 0, options) == 0 ? 0 : Marshal.GetLastPInvokeError();

    public int Unmount(string target) => Umount2(target, MntDetach) == 0 ? 0 : Marshal.GetLastPInvokeError();

    public int LoadModule(string path, bool compressed)
    {
        if (FinitModuleNumber() is not { } number)
        {
            return 38; // ENOSYS
        }

        using var handle = File.OpenHandle(path);
        return Syscall3(number, handle.DangerousGetHandle(), "", compressed ? ModuleInitCompressedFile : 0) == 0 ? 0 : Marshal.GetLastPInvokeError();
    }

    public IReadOnlyList<string> BlockDevices() =>
        Directory.Exists("/sys/class/block")
            ? Directory.EnumerateFileSystemEntries("/sys/class/block").Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToList()
            : [];

    public byte[]? ReadDeviceHead(string name, int count)
    {
        try
        {
            using var device = new FileStream($"/dev/{name}", FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1);
            var buffer = new byte[count];
            var read = device.ReadAtLeast(buffer, count, throwOnEndOfStream: false);
            return buffer[..read];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public Task<int> RunAsync(string program, IReadOnlyList<string> arguments, CancellationToken cancellationToken) =>
        ProcessRunner.RunAttachedAsync(program, arguments, cancellationToken);

    public void Sync() => SyncNative();

    public void Reboot(bool powerOff)
    {
        SyncNative();
        _ = RebootNative(powerOff ? RebootPowerOff : RebootAutoboot);
    }

    public void Console(string line)
    {
        // PID 1's stdout is /dev/console; one write per line survives a console that went away.
        try
        {
            System.Console.Out.WriteLine($"kdumpd: {line}");
            System.Console.Out.Flush();
        }
        catch (IOException)
        {
        }
    }

    public Task Delay(TimeSpan delay, CancellationToken cancellationToken) => Task.Delay(delay, cancellationToken);

    private static long? FinitModuleNumber() => RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => 313,
        Architecture.Arm64 => 273,
        _ => null,
    };

    [LibraryImport("libc", EntryPoint = "mount", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int MountNative(string source, string target, string type, nuint flags, string? data);

    [LibraryImport("libc", EntryPoint = "umount2", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Umount2(string target, int flags);

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial long Syscall3(long number, nint fd, string parameters, long flags);

    [LibraryImport("libc", EntryPoint = "sync")]
    private static partial void SyncNative();

    [LibraryImport("libc", EntryPoint = "reboot", SetLastError = true)]
    private static partial int RebootNative(int command);
}
