namespace Kdumpd.Api.Contracts;

/// <summary>
/// Everything the REST API asks of the daemon. The daemon implements it over Core (host model,
/// planner, loader, reload coordinator, catalogue); the API stays a thin HTTP skin.
/// </summary>
public interface IKdumpdService
{
    Task<StatusDocument> GetStatusAsync(CancellationToken cancellationToken);

    Task<ReadinessDocument> GetReadinessAsync(CancellationToken cancellationToken);

    /// <summary>The active plan as JSON text (the planner's own serialization), or null when none.</summary>
    Task<string?> GetPlanJsonAsync(CancellationToken cancellationToken);

    Task<byte[]?> GetElfCoreHeaderAsync(CancellationToken cancellationToken);

    /// <param name="spendLastLoad">The operator said --force: the last kexec_load_limit_panic unit may be spent.</param>
    Task<ActionResultDocument> ReloadAsync(string requestedBy, bool spendLastLoad, CancellationToken cancellationToken);

    Task<ActionResultDocument> UnloadAsync(string requestedBy, CancellationToken cancellationToken);

    Task<IReadOnlyList<GenerationDocument>> ListGenerationsAsync(int limit, CancellationToken cancellationToken);

    Task<GenerationDocument?> GetGenerationAsync(long number, CancellationToken cancellationToken);

    /// <summary>The plan JSON recorded with a generation, or null when the generation or its plan is unknown.</summary>
    Task<string?> GetGenerationPlanJsonAsync(long number, CancellationToken cancellationToken);

    Task<DumpPage> ListDumpsAsync(DumpQuery query, CancellationToken cancellationToken);

    Task<DumpDocument?> GetDumpAsync(string id, CancellationToken cancellationToken);

    Task<DumpFile?> GetDumpFileAsync(string id, DumpFileKind kind, CancellationToken cancellationToken);

    /// <summary>Queues the dump for every egress target now (failed or verified ones again); null when no such dump.</summary>
    Task<IReadOnlyList<EgressDocument>?> UploadDumpAsync(string id, string requestedBy, CancellationToken cancellationToken);

    Task<DeleteResult> DeleteDumpAsync(string id, string requestedBy, CancellationToken cancellationToken);
}
