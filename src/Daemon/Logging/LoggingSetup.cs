using Kdumpd.Daemon.Configuration;
using Serilog;
using Serilog.Events;
using Serilog.Formatting.Compact;

namespace Kdumpd.Daemon.Logging;

public static class LoggingSetup
{
    /// <summary>
    /// stdout in the journald form under systemd (JOURNAL_STREAM is set) or when asked, plain
    /// human lines on a terminal; optional rolling CLEF file for shipping elsewhere.
    /// </summary>
    public static Serilog.Core.Logger Create(LogSettings options)
    {
        var level = Enum.Parse<LogEventLevel>(options.Level);
        var config = new LoggerConfiguration()
            .MinimumLevel.Is(level)
            .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
            .MinimumLevel.Override("Microsoft.Hosting.Lifetime", LogEventLevel.Information)
            .Enrich.FromLogContext();

        config = Environment.GetEnvironmentVariable("JOURNAL_STREAM") is not null || Console.IsOutputRedirected
            ? config.WriteTo.Console(new JournaldTextFormatter())
            : config.WriteTo.Console(outputTemplate: "{Timestamp:HH:mm:ss} {Level:u3} {Message:lj}{NewLine}{Exception}");

        if (!string.IsNullOrWhiteSpace(options.File))
        {
            config = config.WriteTo.File(new CompactJsonFormatter(), options.File, rollingInterval: RollingInterval.Day, retainedFileCountLimit: 14);
        }

        return config.CreateLogger();
    }
}
