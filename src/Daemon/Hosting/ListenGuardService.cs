using Kdumpd.Daemon.Configuration;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Kdumpd.Daemon.Hosting;

/// <summary>
/// The second half of the "HTTPS beyond loopback" rule: once Kestrel listens, every plain-HTTP
/// address it reports must be a loopback socket, whatever the configuration said; otherwise the
/// start fails before a request is served.
/// </summary>
public sealed class ListenGuardService(IServer server) : IHostedLifecycleService
{
    public Task StartedAsync(CancellationToken cancellationToken)
    {
        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var exposed = addresses.Where(a => a.StartsWith("http://", StringComparison.OrdinalIgnoreCase) && !ListenAddress.IsLoopbackBinding(a)).ToList();
        if (exposed.Count > 0)
        {
            throw new InvalidOperationException($"the API is bound over plain HTTP beyond loopback ({string.Join(", ", exposed)}): use https:// with Api:CertificatePath, or a loopback address");
        }

        return Task.CompletedTask;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
