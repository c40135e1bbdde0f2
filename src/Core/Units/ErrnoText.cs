using System.Runtime.InteropServices;

namespace Kdumpd.Core.Units;

/// <summary>A system call's failure as a person reads it: "Bad message (errno 74)", not a bare number.</summary>
public static class ErrnoText
{
    public static string Describe(int errno) => $"{Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})";
}
