namespace Kdumpd.Core.Watch;

/// <summary>The action word of a kernel uevent (<c>ACTION@DEVPATH</c>).</summary>
public enum UeventAction
{
    Other,
    Add,
    Remove,
    Change,
    Move,
    Online,
    Offline,
    Bind,
    Unbind,
}

/// <summary>
/// One kernel uevent as received on NETLINK_KOBJECT_UEVENT group 1: the header's action and
/// device path, the subsystem and the kernel's sequence number. Other keys (MODALIAS, DRIVER...)
/// are not kept: nothing downstream needs them.
/// </summary>
public sealed record UeventMessage(UeventAction Action, string ActionText, string DevPath, string Subsystem, ulong SeqNum)
{
    /// <summary>
    /// True for the events that can change the crash plan: memory blocks and CPUs being added,
    /// removed, onlined or offlined. Everything else (bind, thermal, machinecheck...) is noise.
    /// </summary>
    public bool IsHotplug =>
        Subsystem is "memory" or "cpu"
        && Action is UeventAction.Add or UeventAction.Remove or UeventAction.Online or UeventAction.Offline;
}
