using Serilog.Events;
using Serilog.Formatting;
using Serilog.Formatting.Json;

namespace Kdumpd.Daemon.Logging;

/// <summary>
/// One line per event for stdout under systemd: a "&lt;N&gt;" syslog priority prefix (journald turns it
/// into PRIORITY=), the rendered message, then the event's properties as compact JSON so nothing
/// structured is lost in `journalctl -o cat`.
/// </summary>
public sealed class JournaldTextFormatter : ITextFormatter
{
    private static readonly JsonValueFormatter _valueFormatter = new(typeTagName: null);

    public void Format(LogEvent logEvent, TextWriter output)
    {
        output.Write('<');
        output.Write(Priority(logEvent.Level));
        output.Write('>');
        output.Write(logEvent.RenderMessage().ReplaceLineEndings(" "));
        if (logEvent.Properties.Count > 0)
        {
            output.Write(" {");
            var first = true;
            foreach (var (name, value) in logEvent.Properties)
            {
                if (!first)
                {
                    output.Write(',');
                }

                first = false;
                JsonValueFormatter.WriteQuotedJsonString(name, output);
                output.Write(':');
                _valueFormatter.Format(value, output);
            }

            output.Write('}');
        }

        if (logEvent.Exception is { } e)
        {
            output.Write(" exception=");
            JsonValueFormatter.WriteQuotedJsonString(e.ToString(), output);
        }

        output.Write('\n');
    }

    /// <summary>syslog(3) priorities: err 3, warning 4, info 6, debug 7.</summary>
    public static int Priority(LogEventLevel level) => level switch
    {
        LogEventLevel.Fatal => 2,
        LogEventLevel.Error => 3,
        LogEventLevel.Warning => 4,
        LogEventLevel.Information => 6,
        _ => 7,
    };
}
