using Kdumpd.Core.Planning;

namespace Kdumpd.Core.Loading;

/// <summary>
/// What the loader needs from the planner's <c>CrashPlan</c>: the fingerprint, the plan's
/// <see cref="ReservationBudget"/>, its non-informational findings (human sentences), and, when given, the
/// plan JSON and ELF core header bytes stored with the generation, and the header layout they model.
/// </summary>
public sealed record PlanSummary(
    string Fingerprint,
    ReservationBudget Budget,
    IReadOnlyList<string> Findings,
    string? PlanJson = null,
    ReadOnlyMemory<byte>? HeaderBytes = null,
    PlanLayout? Layout = null);
