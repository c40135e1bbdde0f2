using System.Buffers.Text;
using System.Text;

namespace Kdumpd.Core.Watch;

/// <summary>
/// Parses the kernel's uevent datagrams: <c>ACTION@DEVPATH\0KEY=VALUE\0...KEY=VALUE\0</c>
/// (lib/kobject_uevent.c). Every field, the last one included, is NUL-terminated, and the kernel
/// appends SEQNUM last; so a datagram that does not end in NUL, or has no SEQNUM, was cut short.
/// Never throws on bad input: the receive loop must outlive any datagram.
/// </summary>
public static class UeventParser
{
    /// <summary>
    /// Upper bound for one datagram. The kernel's environment buffer is 2 KiB (UEVENT_BUFFER_SIZE)
    /// plus the header; anything much larger is not a kernel uevent.
    /// </summary>
    public const int MaxMessageBytes = 16 * 1024;

    // udev (systemd-udevd) re-broadcasts on group 2 with a header that starts with "libudev\0"
    // followed by the magic 0xfeedcafe in network order; a kernel header never starts like that.
    private static ReadOnlySpan<byte> UdevPrefix => "libudev\0"u8;

    private static ReadOnlySpan<byte> ActionKey => "ACTION"u8;
    private static ReadOnlySpan<byte> DevPathKey => "DEVPATH"u8;
    private static ReadOnlySpan<byte> SubsystemKey => "SUBSYSTEM"u8;
    private static ReadOnlySpan<byte> SeqNumKey => "SEQNUM"u8;

    public static bool TryParse(ReadOnlySpan<byte> datagram, out UeventMessage? message, out UeventParseFailure failure)
    {
        message = null;
        if (datagram.IsEmpty)
        {
            failure = new(UeventParseError.Empty, 0, "empty datagram");
            return false;
        }

        if (datagram.Length > MaxMessageBytes)
        {
            failure = new(UeventParseError.TooLong, MaxMessageBytes, $"{datagram.Length} bytes, at most {MaxMessageBytes} expected");
            return false;
        }

        if (datagram.StartsWith(UdevPrefix))
        {
            failure = new(UeventParseError.UdevMonitorMessage, 0, "udev re-broadcast, not a kernel message");
            return false;
        }

        if (datagram[^1] != 0)
        {
            failure = new(UeventParseError.Truncated, datagram.Length, "last field is not NUL-terminated");
            return false;
        }

        var headerEnd = datagram.IndexOf((byte)0);
        var header = datagram[..headerEnd];
        var at = header.IndexOf((byte)'@');
        if (at <= 0 || at == header.Length - 1 || header[at + 1] != (byte)'/')
        {
            failure = new(UeventParseError.MalformedHeader, 0, "first field is not ACTION@/DEVPATH");
            return false;
        }

        var headerAction = header[..at];
        var headerDevPath = header[(at + 1)..];
        ReadOnlySpan<byte> action = default, devPath = default, subsystem = default, seqNum = default;
        bool hasAction = false, hasDevPath = false, hasSubsystem = false, hasSeqNum = false;
        var seqNumOffset = 0;

        var offset = headerEnd + 1;
        while (offset < datagram.Length)
        {
            var rest = datagram[offset..];
            var fieldLength = rest.IndexOf((byte)0);
            var field = rest[..fieldLength];
            var eq = field.IndexOf((byte)'=');
            if (eq <= 0)
            {
                failure = new(UeventParseError.MalformedField, offset, "field has no KEY=VALUE shape");
                return false;
            }

            var key = field[..eq];
            var value = field[(eq + 1)..];
            if (key.SequenceEqual(ActionKey))
            {
                action = value;
                hasAction = true;
            }
            else if (key.SequenceEqual(DevPathKey))
            {
                devPath = value;
                hasDevPath = true;
            }
            else if (key.SequenceEqual(SubsystemKey))
            {
                subsystem = value;
                hasSubsystem = true;
            }
            else if (key.SequenceEqual(SeqNumKey))
            {
                seqNum = value;
                hasSeqNum = true;
                seqNumOffset = offset + eq + 1;
            }

            offset += fieldLength + 1;
        }

        if (!(hasAction && hasDevPath && hasSubsystem && hasSeqNum))
        {
            var missing = !hasAction ? "ACTION" : !hasDevPath ? "DEVPATH" : !hasSubsystem ? "SUBSYSTEM" : "SEQNUM";
            failure = new(UeventParseError.MissingField, datagram.Length, $"{missing} is missing");
            return false;
        }

        if (!Utf8Parser.TryParse(seqNum, out ulong seq, out var consumed) || consumed != seqNum.Length || seqNum.IsEmpty)
        {
            failure = new(UeventParseError.InvalidField, seqNumOffset, "SEQNUM is not a decimal number");
            return false;
        }

        if (!action.SequenceEqual(headerAction) || !devPath.SequenceEqual(headerDevPath))
        {
            failure = new(UeventParseError.InvalidField, 0, "ACTION/DEVPATH disagree with the header");
            return false;
        }

        var actionText = Encoding.UTF8.GetString(action);
        message = new UeventMessage(ParseAction(action), actionText, Encoding.UTF8.GetString(devPath), Encoding.UTF8.GetString(subsystem), seq);
        failure = UeventParseFailure.None;
        return true;
    }

    private static UeventAction ParseAction(ReadOnlySpan<byte> action) => action switch
    {
        _ when action.SequenceEqual("add"u8) => UeventAction.Add,
        _ when action.SequenceEqual("remove"u8) => UeventAction.Remove,
        _ when action.SequenceEqual("change"u8) => UeventAction.Change,
        _ when action.SequenceEqual("move"u8) => UeventAction.Move,
        _ when action.SequenceEqual("online"u8) => UeventAction.Online,
        _ when action.SequenceEqual("offline"u8) => UeventAction.Offline,
        _ when action.SequenceEqual("bind"u8) => UeventAction.Bind,
        _ when action.SequenceEqual("unbind"u8) => UeventAction.Unbind,
        _ => UeventAction.Other,
    };
}
