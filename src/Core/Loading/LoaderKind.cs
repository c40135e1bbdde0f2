namespace Kdumpd.Core.Loading;

/// <summary>Which way the panic kernel is loaded. Config and CLI spell these auto, kexec-file, kexec-tools, dry-run.</summary>
public enum LoaderKind
{
    Auto,
    KexecFile,
    KexecTools,
    DryRun,
}

public static class LoaderKinds
{
    public static string Name(this LoaderKind kind) => kind switch
    {
        LoaderKind.Auto => "auto",
        LoaderKind.KexecFile => "kexec-file",
        LoaderKind.KexecTools => "kexec-tools",
        LoaderKind.DryRun => "dry-run",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    public static bool TryParse(string? text, out LoaderKind kind)
    {
        foreach (var candidate in Enum.GetValues<LoaderKind>())
        {
            if (string.Equals(candidate.Name(), text?.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                kind = candidate;
                return true;
            }
        }

        kind = LoaderKind.Auto;
        return false;
    }

    public static LoaderKind Parse(string text) =>
        TryParse(text, out var kind)
            ? kind
            : throw new ArgumentException($"unknown loader '{text}': use auto, kexec-file, kexec-tools or dry-run", nameof(text));
}
