using System.Text;
using System.Text.Json;
using Kdumpd.Core.Catalog;
using Kdumpd.Core.Host;

namespace Kdumpd.Core.Loading;

/// <summary>
/// The one JSON shape of readiness and generations (snake_case), written by hand so it needs no reflection:
/// `kdumpd status --format json`, GET /v1/status and /v1/generations should all use it.
/// </summary>
public static class ReadinessJson
{
    public static string Serialize(ReadinessReport report, bool indented = true)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = indented }))
        {
            Write(writer, report);
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    public static void Write(Utf8JsonWriter writer, ReadinessReport report)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(report);
        writer.WriteStartObject();
        writer.WriteBoolean("ready", report.Ready);
        writer.WriteString("checked_at", report.CheckedAt);
        WriteNullable(writer, "running_release", report.RunningRelease);
        writer.WritePropertyName("kexec");
        WriteState(writer, report.State);
        writer.WriteStartArray("problems");
        foreach (var problem in report.Problems)
        {
            writer.WriteStringValue(problem);
        }

        writer.WriteEndArray();
        writer.WritePropertyName("checks");
        writer.WriteStartArray();
        foreach (var check in report.Checks)
        {
            writer.WriteStartObject();
            writer.WriteString("name", check.Name);
            writer.WriteBoolean("ok", check.Ok);
            writer.WriteString("detail", check.Detail);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WritePropertyName("active_generation");
        WriteGeneration(writer, report.ActiveGeneration);
        writer.WritePropertyName("latest_generation");
        WriteGeneration(writer, report.LatestGeneration);
        writer.WriteEndObject();
    }

    public static void WriteState(Utf8JsonWriter writer, CrashKernelState state)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(state);
        writer.WriteStartObject();
        WriteNullable(writer, "crash_loaded", state.Loaded);
        WriteNullable(writer, "crash_size_bytes", state.ReservationBytes);
        WriteNullable(writer, "load_limit_panic", state.LoadLimitPanic);
        WriteNullable(writer, "loads_left", state.LoadsLeft);
        writer.WriteBoolean("load_disabled", state.KexecLoadDisabled);
        WriteNullable(writer, "simulated_by", state.SimulatedBy);
        writer.WriteEndObject();
    }

    /// <summary>A generation without its plan JSON and header bytes (served separately, they are large).</summary>
    public static void WriteGeneration(Utf8JsonWriter writer, GenerationRecord? g)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (g is null)
        {
            writer.WriteNullValue();
            return;
        }

        writer.WriteStartObject();
        writer.WriteNumber("number", g.Number);
        writer.WriteString("started_at", g.StartedAt);
        writer.WriteString("action", GenerationStore.ActionName(g.Action));
        writer.WriteString("outcome", GenerationStore.OutcomeName(g.Outcome));
        writer.WriteStartArray("triggers");
        foreach (var trigger in g.Triggers)
        {
            writer.WriteStringValue(trigger);
        }

        writer.WriteEndArray();
        writer.WriteBoolean("operator_requested", g.OperatorRequested);
        writer.WriteString("loader", g.Loader);
        WriteNullable(writer, "interface", g.Interface);
        WriteNullable(writer, "kernel_release", g.KernelRelease);
        WriteFile(writer, "kernel", g.Kernel);
        WriteFile(writer, "initrd", g.Initrd);
        WriteNullable(writer, "command_line", g.CommandLine);
        WriteNullable(writer, "plan_fingerprint", g.PlanFingerprint);
        WriteNullable(writer, "error", g.Error);
        WriteNullable(writer, "detail", g.Detail);
        writer.WriteNumber("attempts", g.Attempts);
        WriteNullable(writer, "duration_ms", g.DurationMs);
        WriteNullable(writer, "unarmed_ms", g.UnarmedMs);
        WriteNullable(writer, "armed_before", g.ArmedBefore);
        WriteNullable(writer, "armed_after", g.ArmedAfter);
        WriteNullable(writer, "load_budget_left", g.LoadBudgetLeft);
        WriteNullable(writer, "reservation_bytes", g.ReservationBytes);
        writer.WriteBoolean("has_plan_json", g.PlanJson is not null);
        WriteNullable(writer, "elfcorehdr_bytes", g.ElfCoreHeader?.Length);
        writer.WriteEndObject();
    }

    private static void WriteFile(Utf8JsonWriter writer, string name, FileFingerprint? file)
    {
        if (file is null)
        {
            writer.WriteNull(name);
            return;
        }

        writer.WriteStartObject(name);
        writer.WriteString("path", file.Path);
        writer.WriteNumber("size", file.Size);
        writer.WriteString("mtime", file.ModifiedUtc);
        WriteNullable(writer, "sha256", file.Sha256);
        writer.WriteEndObject();
    }

    private static void WriteNullable(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is null)
        {
            writer.WriteNull(name);
        }
        else
        {
            writer.WriteString(name, value);
        }
    }

    private static void WriteNullable(Utf8JsonWriter writer, string name, long? value)
    {
        if (value is null)
        {
            writer.WriteNull(name);
        }
        else
        {
            writer.WriteNumber(name, value.Value);
        }
    }

    private static void WriteNullable(Utf8JsonWriter writer, string name, double? value)
    {
        if (value is null)
        {
            writer.WriteNull(name);
        }
        else
        {
            writer.WriteNumber(name, Math.Round(value.Value, 3));
        }
    }

    private static void WriteNullable(Utf8JsonWriter writer, string name, bool? value)
    {
        if (value is null)
        {
            writer.WriteNull(name);
        }
        else
        {
            writer.WriteBoolean(name, value.Value);
        }
    }
}
