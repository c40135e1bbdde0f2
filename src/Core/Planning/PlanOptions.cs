namespace Kdumpd.Core.Planning;

/// <summary>What the caller decides: layout, profile (null: from the kernel release) and what will be loaded.</summary>
public sealed record PlanOptions
{
    public PlanLayout Layout { get; init; } = PlanLayout.KexecFile;

    public ArchProfile? Profile { get; init; }

    public CaptureImageIdentity? CaptureKernel { get; init; }

    public CaptureImageIdentity? CaptureInitrd { get; init; }

    /// <summary>The capture kernel's command line; null: derived from the running one (see <see cref="CaptureCommandLine"/>).</summary>
    public string? CaptureCommandLine { get; init; }

    /// <summary>Memory the capture kernel needs beyond its image, initrd, header and backup.</summary>
    public ulong MinimumWorkingMemory { get; init; } = ReservationBudget.DefaultWorkingMemory;

    public static PlanOptions Default { get; } = new();
}
