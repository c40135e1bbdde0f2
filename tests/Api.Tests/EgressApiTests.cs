using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Kdumpd.Api.Auth;
using Kdumpd.Core.Egress;
using Kdumpd.Daemon.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Kdumpd.Api.Tests;

/// <summary>
/// Egress as the API shows it, in a daemon whose only target is an S3 endpoint nobody listens on:
/// the upload fails for a clear reason, the dump document and /metrics say so, an operator's
/// POST /v1/dumps/{id}/upload queues it again, and the local dump stays.
/// </summary>
public sealed class EgressApiTests : IAsyncLifetime
{
    private readonly DaemonFixture _daemon;

    public EgressApiTests()
    {
        var credentials = Path.Join(Path.GetTempPath(), $"kdumpd-egress-creds-{Guid.NewGuid():N}");
        File.WriteAllText(credentials, "[default]\naws_access_key_id = KEY\naws_secret_access_key = SECRET\n");
        File.SetUnixFileMode(credentials, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        _daemon = new DaemonFixture
        {
            Configure = o => o.Egress.Targets.Add(new EgressTargetSettings
            {
                Name = "fleet",
                Kind = "s3",
                Bucket = "dumps",
                Endpoint = $"http://127.0.0.1:{ClosedPort()}",
                CredentialsFile = credentials,
                RetryAttempts = 0,
            }),
        };
    }

    public ValueTask InitializeAsync() => _daemon.InitializeAsync();

    public ValueTask DisposeAsync() => _daemon.DisposeAsync();

    [Fact]
    public async Task Failed_upload_shows_in_the_dump_document_and_metrics_and_operate_retries_it()
    {
        var ct = TestContext.Current.CancellationToken;
        var coordinator = _daemon.Services.GetRequiredService<EgressCoordinator>();
        await coordinator.RunPassAsync(ct);
        using var read = _daemon.Client(ApiRole.Read);
        using var list = JsonDocument.Parse(await read.GetStringAsync("/v1/dumps", ct));
        var owned = list.RootElement.GetProperty("items").EnumerateArray().Single(d => d.GetProperty("owned").GetBoolean());
        var id = owned.GetProperty("id").GetString()!;

        var egress = owned.GetProperty("egress").EnumerateArray().Single();
        egress.GetProperty("target").GetString().Should().Be("fleet");
        egress.GetProperty("state").GetString().Should().Be("failed");
        egress.GetProperty("reason").GetString().Should().Contain("127.0.0.1");
        var metrics = await read.GetStringAsync("/metrics", ct);
        metrics.Should().MatchRegex("kdumpd_egress_uploads_total\\{target=\"fleet\",outcome=\"failed\"\\} [1-9]");

        (await read.PostAsync($"/v1/dumps/{id}/upload", null, ct)).StatusCode.Should().Be(HttpStatusCode.Forbidden, "retrying is an operator's act");
        using var operate = _daemon.Client(ApiRole.Operate);
        using var response = await operate.PostAsync($"/v1/dumps/{id}/upload", null, ct);
        response.StatusCode.Should().Be(HttpStatusCode.Accepted);
        using var queued = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
        queued.RootElement.EnumerateArray().Single().GetProperty("state").GetString().Should().BeOneOf("pending", "uploading", "failed");
        (await operate.PostAsync("/v1/dumps/0000000000000000/upload", null, ct)).StatusCode.Should().Be(HttpStatusCode.NotFound);
        File.Exists(Path.Join(_daemon.DumpDir, DaemonFixture.OwnedDir, "vmcore")).Should().BeTrue();
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
