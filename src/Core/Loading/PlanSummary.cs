namespace Kdumpd.Core.Loading;

/// <summary>
/// What the loader needs from the planner's <c>CrashPlan</c>, kept small so the planner can be plugged in
/// later: the fingerprint, the reservation it saw, what it says the capture side needs, its budget findings
/// (human sentences), and, when given, the plan JSON and ELF core header bytes stored with the generation.
/// </summary>
public sealed record PlanSummary(
    string Fingerprint,
    long ReservationBytes,
    long RequiredBytes,
    IReadOnlyList<string> Findings,
    string? PlanJson = null,
    ReadOnlyMemory<byte>? HeaderBytes = null)
{
    public bool Fits => RequiredBytes <= ReservationBytes;
}
