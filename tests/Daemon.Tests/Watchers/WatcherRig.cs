using System.Threading.Channels;
using Kdumpd.Core.Reload;

namespace Kdumpd.Daemon.Tests.Watchers;

/// <summary>
/// A real coordinator on the real clock with a short quiet window, over an in-memory target whose
/// plan changes on every probe, so every pass reloads and shows which triggers it carried.
/// </summary>
internal sealed class WatcherRig : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Channel<ReloadPassRecord> _passes = Channel.CreateUnbounded<ReloadPassRecord>();
    private readonly Task _run;

    public WatcherRig(TimeProvider? time = null)
    {
        Coordinator = new ReloadCoordinator(
            new ChangingTarget(),
            new ReloadCoordinatorOptions { QuietWindow = TimeSpan.FromMilliseconds(50), MaxDelay = TimeSpan.FromMilliseconds(500) },
            time ?? TimeProvider.System,
            new ReloadStats(),
            Serilog.Core.Logger.None);
        Coordinator.PassCompleted += pass => _passes.Writer.TryWrite(pass);
        _run = Task.Run(() => Coordinator.RunAsync(_stop.Token));
    }

    public ReloadCoordinator Coordinator { get; }

    /// <summary>The next pass, or null when none completes within <paramref name="wait"/> (real time).</summary>
    public async Task<ReloadPassRecord?> NextPassAsync(TimeSpan? wait = null)
    {
        using var timeout = new CancellationTokenSource(wait ?? TimeSpan.FromSeconds(10));
        try
        {
            return await _passes.Reader.ReadAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _run.WaitAsync(TimeSpan.FromSeconds(10));
        Coordinator.Dispose();
        _stop.Dispose();
    }

    private sealed class ChangingTarget : IReloadTarget
    {
        private int _probes;

        public ValueTask<PlanProbe> ProbeAsync(CancellationToken cancellationToken) =>
            ValueTask.FromResult(new PlanProbe($"fp-{Interlocked.Increment(ref _probes)}", "fp-0", true, true, CrashHotplugSupport.None));

        public ValueTask<ReloadResult> ReloadAsync(ReloadRequest request, CancellationToken cancellationToken) =>
            ValueTask.FromResult(ReloadResult.Loaded(request.Probe.Fingerprint));

        public ValueTask RecordPlanAsync(ReloadRequest request, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }
}
