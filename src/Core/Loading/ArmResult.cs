using Kdumpd.Core.Catalog;
using Kdumpd.Core.Host;

namespace Kdumpd.Core.Loading;

/// <summary>
/// The end of one load or unload: the generation row that records it, the loader's own result (null when
/// kdumpd refused before calling a loader), the budget verdict, and the kernel's state right after.
/// </summary>
public sealed record ArmResult(GenerationRecord Generation, LoaderResult? Loader, BudgetVerdict? Budget, CrashKernelState StateAfter)
{
    public bool Succeeded => Generation.Outcome is GenerationOutcome.Loaded or GenerationOutcome.Unloaded;

    /// <summary>True when the host had a panic kernel before and has none now (a failed reload after the kernel freed the old image).</summary>
    public bool LeftUnarmed => Generation.ArmedBefore == true && Generation.ArmedAfter == false;
}
