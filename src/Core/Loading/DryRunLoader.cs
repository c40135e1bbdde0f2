using Kdumpd.Core.Host;

namespace Kdumpd.Core.Loading;

/// <summary>
/// Calls no kernel: records what it would load and keeps an in-memory "armed with X" state, so the built-in
/// sample host and tests look armed. <see cref="ReadState"/> says so in <see cref="CrashKernelState.SimulatedBy"/>.
/// </summary>
public sealed class DryRunLoader(KexecSysfs sysfs) : IPanicKernelLoader
{
    public const string InterfaceName = "none";

    private readonly Lock _gate = new();
    private readonly List<LoadRequest> _history = [];
    private LoadRequest? _armed;

    public LoaderKind Kind => LoaderKind.DryRun;

    /// <summary>The request the dry run is "armed" with, or null.</summary>
    public LoadRequest? Armed
    {
        get
        {
            lock (_gate)
            {
                return _armed;
            }
        }
    }

    /// <summary>Every load it was asked to do, oldest first.</summary>
    public IReadOnlyList<LoadRequest> History
    {
        get
        {
            lock (_gate)
            {
                return [.. _history];
            }
        }
    }

    public Task<LoaderResult> LoadAsync(LoadRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        foreach (var file in new[] { request.KernelPath, request.InitrdPath })
        {
            if (file is not null && !File.Exists(file))
            {
                return Task.FromResult(LoaderResult.Failed(Kind.Name(), InterfaceName, new LoadFailure(LoadFailureKind.FileProblem, $"dry run: {file} does not exist"), 0));
            }
        }

        lock (_gate)
        {
            _history.Add(request);
            _armed = request;
        }

        var initrd = request.InitrdPath is null ? "no initrd" : $"initrd {request.InitrdPath}";
        return Task.FromResult(LoaderResult.Ok(Kind.Name(), InterfaceName, kernelCalls: 0) with
        {
            Notes = [$"dry run: would load {request.KernelPath} with {initrd} and command line '{request.CommandLine}'; nothing was loaded into the kernel"],
        });
    }

    public Task<LoaderResult> UnloadAsync(UnloadRequest request, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _armed = null;
        }

        return Task.FromResult(LoaderResult.Ok(Kind.Name(), InterfaceName, kernelCalls: 0) with { Notes = ["dry run: nothing was unloaded from the kernel"] });
    }

    public CrashKernelState ReadState() => Overlay(sysfs.Read());

    public CrashKernelState Overlay(CrashKernelState kernel)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        var armed = Armed;
        return armed is null
            ? kernel with { Loaded = false, SimulatedBy = "dry-run: not armed (the kernel's own state is not used)" }
            : kernel with { Loaded = true, SimulatedBy = $"dry-run: armed in memory with {armed.KernelPath}; the kernel itself has nothing loaded by kdumpd" };
    }
}
