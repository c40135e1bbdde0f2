using Kdumpd.Core.Loading;

namespace Kdumpd.Daemon.Hosting;

/// <summary>Only with UnloadOnStop: by default the panic kernel outlives the daemon, so a crash is still captured.</summary>
public sealed class UnloadOnStopService(PanicKernelService loading, ILogger<UnloadOnStopService> log) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        var result = await loading.UnloadAsync(new UnloadRequest(loading.Options.Loader, OperatorRequested: true, Triggers: ["daemon stop (UnloadOnStop)"]), cancellationToken);
        log.LogWarning("Unloaded the panic kernel on stop (UnloadOnStop): generation {Generation} {Outcome}", result.Generation.Number, result.Generation.Outcome);
    }
}
