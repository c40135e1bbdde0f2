using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Kdumpd.Core.Triage;

namespace Kdumpd.Daemon.Cli;

/// <summary>
/// `kdumpd triage FILE [--format text|json] [--dmesg OUT]`: the crash title, signature, panic line
/// and call trace of one vmcore or dmesg text; --dmesg also writes the kernel log it read (from a
/// vmcore: the printk buffer, as `makedumpfile --dump-dmesg` prints it). Exit 0 when the file was
/// read (with or without a crash in it), 1 when nothing could be read from it.
/// </summary>
public static class TriageCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("FILE") { Description = "A vmcore (ELF, kdump-compressed, flattened) or a kernel log text (dmesg, syslog, journal)" };
        var format = new Option<string>("--format") { Description = "text or json", DefaultValueFactory = _ => "text" };
        format.AcceptOnlyFromAmong("text", "json");
        var dmesgOut = new Option<string?>("--dmesg") { Description = "Also write the kernel log read from FILE here (from a vmcore: its printk buffer)" };
        var command = new Command("triage", "Name the crash in one vmcore or kernel log: title, signature, panic line, call trace");
        command.Arguments.Add(file);
        command.Options.Add(format);
        command.Options.Add(dmesgOut);
        command.SetAction(result =>
        {
            var triage = CrashTriage.Run(result.GetValue(file)!);
            var output = result.InvocationConfiguration.Output;
            if (result.GetValue(dmesgOut) is { } dmesgPath && triage.Dmesg is not null)
            {
                // The extracted text holds one char per byte of the kernel's log (Latin-1): written back byte for byte.
                File.WriteAllText(dmesgPath, triage.Dmesg, Encoding.Latin1);
            }
            if (result.GetValue(format) == "json")
            {
                output.Write(JsonSerializer.Serialize(triage, TriageJsonContext.Default.TriageResult) + "\n");
            }
            else
            {
                output.Write(Text(triage));
            }

            return triage.Dmesg is null ? ExitCodes.Error : ExitCodes.Ok;
        });
        return command;
    }

    public static string Text(TriageResult t)
    {
        ArgumentNullException.ThrowIfNull(t);
        var text = new StringBuilder();
        void Line(string name, object? value)
        {
            if (value is not null)
            {
                text.Append(CultureInfo.InvariantCulture, $"{name,-12}{value}\n");
            }
        }

        Line("Title:", t.Title ?? (t.Dmesg is null ? null : "(no crash found in the log)"));
        Line("Signature:", t.Signature);
        Line("Kernel:", t.KernelRelease);
        Line("Panic line:", t.PanicLine is null ? null : $"{t.PanicLine} (line {t.PanicLineNumber})");
        Line("Uncertain:", t.Uncertain);
        Line("Problem:", t.Reason);
        if (t.CallTrace.Count > 0)
        {
            text.Append("Call trace:\n");
            foreach (var frame in t.CallTrace)
            {
                text.Append("  ").Append(frame).Append('\n');
            }
        }

        return text.ToString();
    }
}
