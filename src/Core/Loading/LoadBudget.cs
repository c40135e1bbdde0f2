using Kdumpd.Core.Host;
using Kdumpd.Core.Planning;

namespace Kdumpd.Core.Loading;

/// <summary>
/// Whether a load fits, on the one <see cref="ReservationBudget"/>. <see cref="Fits"/> is false only on
/// evidence (a known reservation that is too small); an unknown reservation is not a refusal.
/// </summary>
public sealed record BudgetVerdict(bool Fits, ReservationBudget Budget, IReadOnlyList<string> Findings, string Summary);

/// <summary>
/// The pre-load check against kexec_crash_size as read now: the plan's budget when a plan sized the load,
/// otherwise <see cref="ReservationBudget.Unplanned"/> from the image sizes, so a too-small crashkernel= is
/// refused with numbers, not an errno.
/// </summary>
public static class LoadBudget
{
    public static BudgetVerdict Check(PlanSummary? plan, ulong kernelMemory, ulong initrdMemory, long? reservationBytes, string? captureCommandLine = null)
    {
        var budget = plan?.Budget ?? ReservationBudget.Unplanned(0, kernelMemory, initrdMemory, captureCommandLine);
        if (reservationBytes is not { } reserved)
        {
            return new BudgetVerdict(true, budget, [], $"reservation unknown (no {KexecSysfs.CrashSizePath}); {Units.ByteSize.Format((long)budget.Needed)} needed ({budget.Breakdown})");
        }

        budget = budget with { Reserved = (ulong)reserved };
        return new BudgetVerdict(budget.Fits, budget, budget.Fits || plan is null ? [] : plan.Findings, budget.Summary);
    }
}
