namespace Kdumpd.Core.Planning;

/// <summary>Whose rules shape the header: the kernel's own (kexec_file_load) or kexec-tools' (kexec_load). See docs/plan-layouts.md.</summary>
public enum PlanLayout
{
    KexecFile,
    KexecTools,
}

public static class PlanLayoutNames
{
    public const string KexecFile = "kexec-file";
    public const string KexecTools = "kexec-tools";

    public static string ToName(this PlanLayout layout) => layout == PlanLayout.KexecTools ? KexecTools : KexecFile;

    public static bool TryParse(string? text, out PlanLayout layout)
    {
        switch (text?.Trim())
        {
            case KexecFile:
                layout = PlanLayout.KexecFile;
                return true;
            case KexecTools:
                layout = PlanLayout.KexecTools;
                return true;
            default:
                layout = PlanLayout.KexecFile;
                return false;
        }
    }
}
