using System.Runtime.InteropServices;
using Kdumpd.Core.Reload;

namespace Kdumpd.Daemon.Hosting;

/// <summary>SIGHUP (systemctl reload, the kernel postinst hook) = an explicit reload request.</summary>
public sealed class SighupReloadService(ReloadCoordinator coordinator, ILogger<SighupReloadService> log) : IHostedService, IDisposable
{
    private PosixSignalRegistration? _registration;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _registration = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
        {
            context.Cancel = true;
            log.LogInformation("SIGHUP: re-plan and reload");
            coordinator.Post(new ReloadTrigger(ReloadTriggerKind.Explicit, coordinator.Time.GetUtcNow()) { RequestedBy = "signal:SIGHUP", Force = true });
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => _registration?.Dispose();
}
