using System.Threading.Channels;
using Kdumpd.Core.Reload;
using Kdumpd.Core.Watch;
using Microsoft.Extensions.Time.Testing;

namespace Kdumpd.Core.Tests.Reload;

/// <summary>A running coordinator on a fake clock, with its passes collected in order.</summary>
internal sealed class CoordinatorHarness : IAsyncDisposable
{
    /// <summary>How far the fake clock moves per step while a test waits for a pass.</summary>
    public static readonly TimeSpan Step = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// Tolerance on when a pass starts in fake time: the test thread may move the clock a few steps
    /// before a busy machine schedules the loop's continuation. Lower bounds are asserted exactly.
    /// </summary>
    public static readonly TimeSpan Slack = TimeSpan.FromMilliseconds(200);

    private readonly CancellationTokenSource _stop = new();
    private readonly Channel<ReloadPassRecord> _passes = Channel.CreateUnbounded<ReloadPassRecord>();
    private readonly Task _run;

    public CoordinatorHarness(ReloadCoordinatorOptions? options = null)
    {
        Coordinator = new ReloadCoordinator(Target, options ?? new ReloadCoordinatorOptions(), Time, Stats, Serilog.Core.Logger.None);
        Coordinator.PassCompleted += pass => _passes.Writer.TryWrite(pass);
        _run = Task.Run(() => Coordinator.RunAsync(_stop.Token));
    }

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero));

    public FakeReloadTarget Target { get; } = new();

    public ReloadStats Stats { get; } = new();

    public ReloadCoordinator Coordinator { get; }

    public void PostMemory(UeventAction action = UeventAction.Add, int block = 32, ulong seq = 1) =>
        Coordinator.Post(new ReloadTrigger(ReloadTriggerKind.MemoryHotplug, Time.GetUtcNow())
        {
            Action = action.ToString().ToLowerInvariant(),
            DevPath = $"/devices/system/memory/memory{block}",
            SeqNum = seq,
        }).Should().BeTrue();

    public void PostCpu(UeventAction action = UeventAction.Online) =>
        Coordinator.Post(new ReloadTrigger(ReloadTriggerKind.CpuHotplug, Time.GetUtcNow()) { Action = action.ToString().ToLowerInvariant(), DevPath = "/devices/system/cpu/cpu2" })
            .Should().BeTrue();

    public void Post(ReloadTrigger trigger) => Coordinator.Post(trigger).Should().BeTrue();

    /// <summary>Moves the fake clock in small steps, giving the loop real time to react, until a pass completes.</summary>
    public async Task<ReloadPassRecord> AdvanceUntilPassAsync(TimeSpan? limit = null)
    {
        var max = limit ?? TimeSpan.FromSeconds(30);
        for (var elapsed = TimeSpan.Zero; elapsed <= max; elapsed += Step)
        {
            if (await TryNextPassAsync(TimeSpan.FromMilliseconds(3)) is { } pass)
            {
                return pass;
            }

            Time.Advance(Step);
        }

        return await TryNextPassAsync(TimeSpan.FromSeconds(5))
            ?? throw new TimeoutException($"no pass within {max} of fake time");
    }

    /// <summary>
    /// Moves the fake clock by <paramref name="span"/> in steps (default <see cref="Step"/>) and returns every
    /// pass that completed meanwhile; <paramref name="settle"/> waits a little real time at the end for a late one.
    /// </summary>
    public async Task<List<ReloadPassRecord>> AdvanceAsync(TimeSpan span, TimeSpan? step = null, bool settle = true)
    {
        var passes = new List<ReloadPassRecord>();
        var by = step ?? Step;
        for (var elapsed = TimeSpan.Zero; elapsed < span; elapsed += by)
        {
            Time.Advance(by);
            while (await TryNextPassAsync(TimeSpan.FromMilliseconds(2)) is { } pass)
            {
                passes.Add(pass);
            }
        }

        while (settle && await TryNextPassAsync(TimeSpan.FromMilliseconds(100)) is { } late)
        {
            passes.Add(late);
        }

        return passes;
    }

    /// <summary>Ten seconds of fake time in coarse steps: long past any window, to show nothing else happens.</summary>
    public Task<List<ReloadPassRecord>> IdleAsync() => AdvanceAsync(TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(250));

    /// <summary>Waits (real time) for a pass that needs no clock movement, e.g. one already due.</summary>
    public async Task<ReloadPassRecord> NextPassAsync() =>
        await _passes.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));

    private async Task<ReloadPassRecord?> TryNextPassAsync(TimeSpan wait)
    {
        if (_passes.Reader.TryRead(out var pass))
        {
            return pass;
        }

        using var timeout = new CancellationTokenSource(wait);
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
}
