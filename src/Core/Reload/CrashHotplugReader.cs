using Kdumpd.Core.Host;

namespace Kdumpd.Core.Reload;

/// <summary>What one <c>crash_hotplug</c> file said.</summary>
public enum CrashHotplugState
{
    /// <summary>The file does not exist: the kernel has no CONFIG_CRASH_HOTPLUG (before ≈6.6).</summary>
    NotSupported,

    /// <summary>The file exists but could not be read (mode 0400: kdumpd is not root).</summary>
    Unreadable,

    /// <summary>Reads 0 (after re-reads, when an image is loaded): user space must reload.</summary>
    Off,

    /// <summary>Reads 1: the kernel rewrites the loaded elfcorehdr itself on hotplug.</summary>
    On,
}

/// <summary>The memory and CPU <c>crash_hotplug</c> answers.</summary>
public sealed record CrashHotplugSupport(CrashHotplugState Memory, CrashHotplugState Cpu)
{
    public static CrashHotplugSupport None { get; } = new(CrashHotplugState.NotSupported, CrashHotplugState.NotSupported);
}

/// <summary>
/// Reads <c>/sys/devices/system/{memory,cpu}/crash_hotplug</c> through the host root, minding the
/// file's traps (kernel/crash_core.c, crash_check_hotplug_support):
/// <list type="bullet">
/// <item>it is mode 0400: a non-root reader gets EACCES, reported as <see cref="CrashHotplugState.Unreadable"/>;</item>
/// <item>it reads 0 when no crash image is loaded, which is the true answer then;</item>
/// <item>it ALSO reads 0 when kexec_trylock() fails because a load or another hotplug update holds
/// the kexec lock at that instant ("kexec_trylock() failed, ... may be inaccurate"). So a 0 while
/// <c>/sys/kernel/kexec_crash_loaded</c> is 1 is re-read a few times, a short delay apart, before
/// it is trusted. A 0 that survives the re-reads is Off, and the coordinator reloads: the safe side.</item>
/// </list>
/// </summary>
public sealed class CrashHotplugReader
{
    public const string MemoryPath = KexecSysfs.MemoryCrashHotplugPath;
    public const string CpuPath = KexecSysfs.CpuCrashHotplugPath;

    private readonly HostRoot _host;
    private readonly TimeProvider _time;
    private readonly int _attempts;
    private readonly TimeSpan _retryDelay;

    /// <param name="host">Where the sysfs files are read.</param>
    /// <param name="time">Clock for the re-read pauses.</param>
    /// <param name="attempts">Reads of a 0 before it is trusted while an image is loaded (default 4).</param>
    /// <param name="retryDelay">Pause between those reads (default 25 ms: the lock is held for one load or one header rewrite).</param>
    public CrashHotplugReader(HostRoot host, TimeProvider time, int attempts = 4, TimeSpan? retryDelay = null)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfLessThan(attempts, 1);
        _host = host;
        _time = time;
        _attempts = attempts;
        _retryDelay = retryDelay ?? TimeSpan.FromMilliseconds(25);
    }

    public async ValueTask<CrashHotplugSupport> ReadAsync(CancellationToken cancellationToken)
    {
        var memory = await ReadOneAsync(MemoryPath, cancellationToken);
        var cpu = await ReadOneAsync(CpuPath, cancellationToken);
        return new CrashHotplugSupport(memory, cpu);
    }

    /// <summary>
    /// The answers from a reading already made (the planner's host snapshot: <paramref name="memory"/> and
    /// <paramref name="cpu"/>, null when the file was absent or unreadable): a 0 while <paramref name="loaded"/>
    /// is re-read by the rule above; an absent or unreadable file is read once more only to tell which.
    /// </summary>
    public async ValueTask<CrashHotplugSupport> ConfirmAsync(bool? memory, bool? cpu, bool loaded, CancellationToken cancellationToken) =>
        new(await ConfirmOneAsync(MemoryPath, memory, loaded, cancellationToken), await ConfirmOneAsync(CpuPath, cpu, loaded, cancellationToken));

    private async ValueTask<CrashHotplugState> ConfirmOneAsync(string hostPath, bool? first, bool loaded, CancellationToken cancellationToken) => first switch
    {
        true => CrashHotplugState.On,
        false when !loaded || _attempts == 1 => CrashHotplugState.Off,
        false => await ReadAgainAsync(hostPath, 2, cancellationToken),
        null => ReadOnce(hostPath),
    };

    /// <summary>Reads one crash_hotplug file with the re-read rule above.</summary>
    public ValueTask<CrashHotplugState> ReadOneAsync(string hostPath, CancellationToken cancellationToken) => ReadAgainAsync(hostPath, 1, cancellationToken);

    private async ValueTask<CrashHotplugState> ReadAgainAsync(string hostPath, int firstAttempt, CancellationToken cancellationToken)
    {
        if (firstAttempt > 1)
        {
            await Task.Delay(_retryDelay, _time, cancellationToken);
        }

        for (var attempt = firstAttempt; ; attempt++)
        {
            var state = ReadOnce(hostPath);
            if (state != CrashHotplugState.Off || attempt >= _attempts || !ImageLoaded())
            {
                return state;
            }

            await Task.Delay(_retryDelay, _time, cancellationToken);
        }
    }

    private bool ImageLoaded() => ReadText(KexecSysfs.CrashLoadedPath)?.Trim() == "1";

    private CrashHotplugState ReadOnce(string hostPath)
    {
        string? text;
        try
        {
            text = _host.TryReadText(hostPath);
        }
        catch (UnauthorizedAccessException)
        {
            return CrashHotplugState.Unreadable;
        }
        catch (IOException)
        {
            return CrashHotplugState.Unreadable;
        }

        return text?.Trim() switch
        {
            null => CrashHotplugState.NotSupported,
            "1" => CrashHotplugState.On,
            _ => CrashHotplugState.Off,
        };
    }

    private string? ReadText(string hostPath)
    {
        try
        {
            return _host.TryReadText(hostPath);
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            return null;
        }
    }
}
