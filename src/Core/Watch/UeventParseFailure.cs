namespace Kdumpd.Core.Watch;

/// <summary>Why a datagram is not a usable kernel uevent.</summary>
public enum UeventParseError
{
    None,

    /// <summary>Zero bytes.</summary>
    Empty,

    /// <summary>Larger than any uevent the kernel sends (<see cref="UeventParser.MaxMessageBytes"/>).</summary>
    TooLong,

    /// <summary>udev's own re-broadcast ("libudev\0" + 0xfeedcafe header): not from the kernel, ignored.</summary>
    UdevMonitorMessage,

    /// <summary>The last field is not NUL-terminated: the datagram was cut short.</summary>
    Truncated,

    /// <summary>The first field is not <c>ACTION@/DEVPATH</c>.</summary>
    MalformedHeader,

    /// <summary>A field after the header has no '=' or an empty key.</summary>
    MalformedField,

    /// <summary>ACTION, DEVPATH, SUBSYSTEM or SEQNUM is missing.</summary>
    MissingField,

    /// <summary>SEQNUM is not a decimal number, or ACTION/DEVPATH disagree with the header.</summary>
    InvalidField,
}

/// <summary>A typed parse failure: what is wrong and at which byte offset of the datagram.</summary>
public readonly record struct UeventParseFailure(UeventParseError Error, int Offset, string Detail)
{
    public static UeventParseFailure None => default;

    public override string ToString() => $"{Error} at byte {Offset}: {Detail}";
}
