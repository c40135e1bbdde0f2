using System.Runtime.InteropServices;
using Kdumpd.Core.Reload;

namespace Kdumpd.Daemon.Hosting;

/// <summary>
/// SIGHUP (systemctl reload, the kernel postinst hook): the whole configuration is read again and
/// applied (or refused, the old one staying), then an explicit re-plan and reload.
/// </summary>
public sealed class SighupReloadService(ReloadCoordinator coordinator, LiveConfiguration configuration, ILogger<SighupReloadService> log) : IHostedService, IDisposable
{
    private PosixSignalRegistration? _registration;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _registration = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
        {
            context.Cancel = true;
            log.LogInformation("SIGHUP: re-read the configuration, re-plan and reload");
            try
            {
                configuration.Reload("SIGHUP");
            }
            catch (Exception e)
            {
                // The handler must not take the daemon down: the configuration in force stays.
                log.LogError(e, "SIGHUP: the configuration could not be re-read: {Reason}", e.Message);
            }

            coordinator.Post(new ReloadTrigger(ReloadTriggerKind.Explicit, coordinator.Time.GetUtcNow()) { RequestedBy = "signal:SIGHUP", Force = true });
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => _registration?.Dispose();
}
