using Kdumpd.Core.Reload;
using Microsoft.Extensions.Time.Testing;
using Serilog;
using Serilog.Core;
using Serilog.Events;

namespace Kdumpd.Core.Tests.Reload;

public class ReloadPassLogTests
{
    [Fact]
    public async Task Each_pass_writes_one_structured_line_with_events_fingerprints_and_outcome()
    {
        var sink = new CollectingSink();
        using var log = new LoggerConfiguration().MinimumLevel.Verbose().WriteTo.Sink(sink).CreateLogger();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero));
        var target = new FakeReloadTarget { HostFingerprint = "fp-2" };
        using var coordinator = new ReloadCoordinator(target, new ReloadCoordinatorOptions(), time, new ReloadStats(), log);
        using var stop = new CancellationTokenSource();
        var run = coordinator.RunAsync(stop.Token);

        for (var block = 32; block < 36; block++)
        {
            coordinator.Post(new ReloadTrigger(ReloadTriggerKind.MemoryHotplug, time.GetUtcNow()) { Action = "add", SeqNum = (ulong)(651 + block) });
        }

        var request = coordinator.RequestReloadAsync("cli:uid=0", force: false, TestContext.Current.CancellationToken);
        while (!request.IsCompleted)
        {
            time.Advance(TimeSpan.FromMilliseconds(50));
            await Task.WhenAny(request, Task.Delay(5, TestContext.Current.CancellationToken));
        }

        await stop.CancelAsync();
        await run;

        var line = sink.Events.Should().ContainSingle().Subject;
        line.Level.Should().Be(LogEventLevel.Information);
        Scalar(line, "EventCount").Should().Be(5);
        Scalar(line, "Events").Should().Be("explicit×1 memory/add×4");
        Scalar(line, "FirstSeqNum").Should().Be(683UL);
        Scalar(line, "LastSeqNum").Should().Be(686UL);
        Scalar(line, "FingerprintBefore").Should().Be("fp-1");
        Scalar(line, "FingerprintAfter").Should().Be("fp-2");
        Scalar(line, "Outcome").Should().Be(ReloadOutcome.Reloaded);
        Scalar(line, "Decision").Should().Be("fingerprint changed");
        line.Properties.Should().ContainKey("ReloadMs");
        (await request).Outcome.Should().Be(ReloadOutcome.Reloaded);
    }

    private static object? Scalar(LogEvent e, string name) => ((ScalarValue)e.Properties[name]).Value;

    private sealed class CollectingSink : ILogEventSink
    {
        public List<LogEvent> Events { get; } = [];

        public void Emit(LogEvent logEvent)
        {
            lock (Events)
            {
                Events.Add(logEvent);
            }
        }
    }
}
