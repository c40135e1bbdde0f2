using Kdumpd.Core.Host;

namespace Kdumpd.Core.Loading;

/// <summary>
/// The default: kexec_file_load, and kexec-tools (kexec_load) only when the file-load path is unavailable
/// (ENOSYS, or ENOEXEC for an image format it rejects) and kexec is installed. Every other failure
/// (signature, lockdown, reservation) would fail the same way or is a policy the operator chose: no fallback.
/// </summary>
public sealed class AutoLoader(KexecFileLoader fileLoader, KexecToolsLoader toolsLoader) : IPanicKernelLoader
{
    public LoaderKind Kind => LoaderKind.Auto;

    public CrashKernelState ReadState() => fileLoader.ReadState();

    public async Task<LoaderResult> LoadAsync(LoadRequest request, CancellationToken cancellationToken)
    {
        var first = await fileLoader.LoadAsync(request, cancellationToken);
        return await FallBackIfUnavailable(first, () => toolsLoader.LoadAsync(request, cancellationToken));
    }

    public async Task<LoaderResult> UnloadAsync(UnloadRequest request, CancellationToken cancellationToken)
    {
        var first = await fileLoader.UnloadAsync(request, cancellationToken);
        return await FallBackIfUnavailable(first, () => toolsLoader.UnloadAsync(request, cancellationToken));
    }

    /// <summary>The decision alone, for tests and status: null = keep the first result, else the reason to fall back.</summary>
    public static string? FallbackReason(LoaderResult first, bool kexecToolsInstalled)
    {
        ArgumentNullException.ThrowIfNull(first);
        if (first.Failure is not { FileLoadUnavailable: true } failure || !kexecToolsInstalled)
        {
            return null;
        }

        return $"kexec_file_load is unavailable ({failure.Message}); falling back to kexec-tools";
    }

    private async Task<LoaderResult> FallBackIfUnavailable(LoaderResult first, Func<Task<LoaderResult>> fallback)
    {
        var installed = toolsLoader.Locate() is not null;
        if (FallbackReason(first, installed) is not { } reason)
        {
            return first.Failure is { FileLoadUnavailable: true } && !installed
                ? first with { Notes = [.. first.NoteList, "kexec-tools is not installed, so there is no fallback to kexec_load"] }
                : first;
        }

        var second = await fallback();
        if (second.Failure is { } failed)
        {
            second = second with { Failure = failed with { Message = $"{first.Failure!.Message}; fell back to kexec-tools, which failed too: {failed.Message}" } };
        }

        return second with
        {
            KernelCalls = first.KernelCalls + second.KernelCalls,
            Notes = [reason, .. first.NoteList, .. second.NoteList],
        };
    }
}
