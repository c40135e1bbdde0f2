using System.Text.Json;
using Kdumpd.Core.Loading;
using Kdumpd.Core.Planning;

namespace Kdumpd.Daemon.Hosting;

/// <summary>
/// What the daemon knows between passes: the newest plan (for /v1/plan and the metrics) and the
/// fingerprint the loaded image is known to match when the kernel rewrote the header itself.
/// Everything else is re-read from the kernel or the database when asked.
/// </summary>
public sealed class DaemonState
{
    private readonly Lock _gate = new();
    private PlannedHost? _planned;
    private string? _planJson;
    private byte[]? _header;
    private string? _recordedFingerprint;

    public string HostRootPath { get; init; } = "/";

    public (PlannedHost? Planned, string? Json, byte[]? Header) Plan
    {
        get
        {
            lock (_gate)
            {
                return (_planned, _planJson, _header);
            }
        }
    }

    /// <summary>The plan the kernel keeps current by itself after crash-hotplug events; cleared by a real load.</summary>
    public string? RecordedFingerprint
    {
        get
        {
            lock (_gate)
            {
                return _recordedFingerprint;
            }
        }

        set
        {
            lock (_gate)
            {
                _recordedFingerprint = value;
            }
        }
    }

    public string SetPlan(PlannedHost planned)
    {
        var json = JsonSerializer.Serialize(PlanReport.From(planned.Plan, HostRootPath, planned.Host.Iomem.SystemRam()), PlanReportJsonContext.Default.PlanReport);
        var header = planned.Plan.Header.Size > 0 ? planned.Plan.WriteHeader() : null;
        lock (_gate)
        {
            _planned = planned;
            _planJson = json;
            _header = header;
        }

        return json;
    }
}
