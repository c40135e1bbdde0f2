namespace Kdumpd.Daemon.Cli;

/// <summary>Exit codes scripts can trust (kdumpctl's convention).</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    public const int Error = 1;
    public const int Usage = 2;
    public const int NotOperational = 3;
}
