using Kdumpd.Core.Host;
using Kdumpd.Core.Processes;

namespace Kdumpd.Core.Loading;

/// <summary>Builds the loader the configuration names. One dry-run instance is kept so its "armed" state lives as long as the factory.</summary>
public sealed class PanicKernelLoaders(KexecSysfs sysfs, IKexecSyscalls syscalls, IProcessRunner runner, KexecToolsOptions toolsOptions)
{
    private readonly Lazy<DryRunLoader> _dryRun = new(() => new DryRunLoader(sysfs));

    public PanicKernelLoaders(KexecSysfs sysfs)
        : this(sysfs, new KexecSyscalls(), new ProcessRunner(), new KexecToolsOptions())
    {
    }

    public KexecSysfs Sysfs { get; } = sysfs;

    public DryRunLoader DryRun => _dryRun.Value;

    public IPanicKernelLoader Create(LoaderKind kind) => kind switch
    {
        LoaderKind.KexecFile => new KexecFileLoader(Sysfs, syscalls),
        LoaderKind.KexecTools => new KexecToolsLoader(Sysfs, runner, toolsOptions),
        LoaderKind.DryRun => DryRun,
        LoaderKind.Auto => new AutoLoader(new KexecFileLoader(Sysfs, syscalls), new KexecToolsLoader(Sysfs, runner, toolsOptions with { Mode = KexecToolsMode.KexecLoad })),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };
}
