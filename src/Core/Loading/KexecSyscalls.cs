using System.Runtime.InteropServices;

namespace Kdumpd.Core.Loading;

/// <summary>The real kexec_file_load through libc's syscall(2); the one P/Invoke of the loader.</summary>
public sealed partial class KexecSyscalls : IKexecSyscalls
{
    /// <summary>Syscall number for this process's architecture, or null where kdumpd does not know it.</summary>
    public static long? KexecFileLoadNumber(Architecture architecture) => architecture switch
    {
        Architecture.X64 => 320,
        Architecture.Arm64 => 294,
        _ => null,
    };

    public unsafe int KexecFileLoad(int kernelFd, int initrdFd, ReadOnlySpan<byte> commandLine, KexecFileLoadOptions flags)
    {
        if (KexecFileLoadNumber(RuntimeInformation.ProcessArchitecture) is not { } number)
        {
            return Errno.ENOSYS;
        }

        fixed (byte* line = commandLine)
        {
            var rc = Syscall5(number, kernelFd, initrdFd, commandLine.Length, (nint)line, (long)flags);
            return rc == 0 ? 0 : Marshal.GetLastPInvokeError();
        }
    }

    // Fixed-arity binding of the variadic syscall(2): integer and pointer arguments only, which is what the
    // x86-64 and arm64 calling conventions pass identically for variadic and fixed calls.
    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long Syscall5(long number, long a1, long a2, long a3, nint a4, long a5);
}
