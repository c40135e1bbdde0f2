using Kdumpd.Core.Reload;
using Kdumpd.Core.Watch;
using Serilog;

namespace Kdumpd.Core.Hotplug;

/// <summary>What became of one datagram.</summary>
public enum UeventDispatch
{
    /// <summary>A memory/CPU hotplug event, posted to the coordinator.</summary>
    Posted,

    /// <summary>A valid kernel uevent of no interest (thermal, bind, container...).</summary>
    Ignored,

    /// <summary>udev's re-broadcast or a malformed datagram.</summary>
    Rejected,
}

/// <summary>
/// Datagram in, trigger out: parses (Core.Watch), counts and posts (Core.Reload). The one place that
/// knows both, so Watch and Reload never know each other's types. Shared by the netlink listener and
/// the benchmark so both measure the same path. Never throws on bad input.
/// </summary>
public sealed class UeventDispatcher
{
    private readonly ReloadCoordinator _coordinator;
    private readonly ReloadStats _stats;
    private readonly TimeProvider _time;
    private readonly ILogger _log;

    public UeventDispatcher(ReloadCoordinator coordinator, ILogger log)
    {
        ArgumentNullException.ThrowIfNull(coordinator);
        ArgumentNullException.ThrowIfNull(log);
        _coordinator = coordinator;
        _stats = coordinator.Stats;
        _time = coordinator.Time;
        _log = log.ForContext<UeventDispatcher>();
    }

    public UeventDispatch Dispatch(ReadOnlySpan<byte> datagram)
    {
        if (!UeventParser.TryParse(datagram, out var message, out var failure))
        {
            _stats.RecordUeventRejected(failure.Error.ToString());
            if (failure.Error != UeventParseError.UdevMonitorMessage)
            {
                _log.Warning("Ignoring a malformed uevent datagram of {Length} bytes: {Failure}", datagram.Length, failure.ToString());
            }

            return UeventDispatch.Rejected;
        }

        _stats.RecordUevent(message!.Subsystem, message.ActionText);
        if (TriggerFor(message, _time.GetUtcNow()) is not { } trigger)
        {
            return UeventDispatch.Ignored;
        }

        _coordinator.Post(trigger);
        return UeventDispatch.Posted;
    }

    /// <summary>The trigger for a memory or CPU hotplug uevent; null for any other uevent.</summary>
    public static ReloadTrigger? TriggerFor(UeventMessage message, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (!message.IsHotplug)
        {
            return null;
        }

        var kind = message.Subsystem == "memory" ? ReloadTriggerKind.MemoryHotplug : ReloadTriggerKind.CpuHotplug;
        return new ReloadTrigger(kind, at) { Action = message.ActionText, DevPath = message.DevPath, SeqNum = message.SeqNum };
    }
}
