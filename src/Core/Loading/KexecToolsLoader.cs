using System.Globalization;
using Kdumpd.Core.Host;
using Kdumpd.Core.Processes;

namespace Kdumpd.Core.Loading;

/// <summary>Which syscall kexec-tools is told to use; explicit so one `kexec -p` spends exactly one load-limit unit.</summary>
public enum KexecToolsMode
{
    /// <summary><c>kexec -c -p</c>: kexec_load(2); kexec-tools builds the header and appends elfcorehdr= itself.</summary>
    KexecLoad,

    /// <summary><c>kexec -s -p</c>: kexec_file_load(2) through kexec-tools.</summary>
    KexecFileLoad,

    /// <summary><c>kexec -p</c>: whatever this kexec-tools version prefers (newer ones may try both syscalls).</summary>
    ToolDefault,
}

/// <summary>Where kexec lives, which syscall it uses and how long it may take.</summary>
public sealed record KexecToolsOptions(string? KexecPath = null, KexecToolsMode Mode = KexecToolsMode.KexecLoad, TimeSpan? Timeout = null)
{
    public TimeSpan EffectiveTimeout => Timeout ?? TimeSpan.FromSeconds(60);
}

/// <summary>
/// Runs kexec-tools as a child process. Its exit code and stderr are reported verbatim. The capture command
/// line goes in as given: with kexec_load the kernel does not add elfcorehdr=, kexec-tools does, so kdumpd
/// never adds it.
/// </summary>
public sealed class KexecToolsLoader(KexecSysfs sysfs, IProcessRunner runner, KexecToolsOptions options) : IPanicKernelLoader
{
    private readonly KexecLoadLimit _limit = new(sysfs);

    public LoaderKind Kind => LoaderKind.KexecTools;

    public KexecToolsOptions Options { get; } = options;

    public string Interface => Options.Mode switch
    {
        KexecToolsMode.KexecFileLoad => "kexec_file_load",
        KexecToolsMode.KexecLoad => "kexec_load",
        _ => "kexec-tools default",
    };

    /// <summary>The kexec binary to run, or null when kexec-tools is not installed.</summary>
    public string? Locate() => runner.Find(Options.KexecPath ?? "kexec");

    public CrashKernelState ReadState() => sysfs.Read();

    /// <summary>The argument list for a load, in kexec-tools' own syntax.</summary>
    public IReadOnlyList<string> LoadArguments(LoadRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var arguments = ModeArguments();
        arguments.Add(request.OnCrash ? "-p" : "-l");
        arguments.Add($"--command-line={request.CommandLine}");
        if (request.InitrdPath is not null)
        {
            arguments.Add($"--initrd={request.InitrdPath}");
        }

        arguments.Add(request.KernelPath);
        return arguments;
    }

    public IReadOnlyList<string> UnloadArguments()
    {
        var arguments = ModeArguments();
        arguments.Add("-p");
        arguments.Add("-u");
        return arguments;
    }

    public Task<LoaderResult> LoadAsync(LoadRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return RunAsync(LoadArguments(request), request.LimitPurpose, "load the panic kernel", request.OnCrash, cancellationToken);
    }

    public Task<LoaderResult> UnloadAsync(UnloadRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return RunAsync(UnloadArguments(), request.LimitPurpose, "unload the panic kernel", onCrash: true, cancellationToken);
    }

    private List<string> ModeArguments() => Options.Mode switch
    {
        KexecToolsMode.KexecFileLoad => ["-s"],
        KexecToolsMode.KexecLoad => ["-c"],
        _ => [],
    };

    private async Task<LoaderResult> RunAsync(IReadOnlyList<string> arguments, LoadPurpose purpose, string what, bool onCrash, CancellationToken cancellationToken)
    {
        var name = Kind.Name();
        if (Locate() is not { } kexec)
        {
            return LoaderResult.Failed(name, Interface, new LoadFailure(LoadFailureKind.LoaderUnavailable, $"kexec-tools is not installed: no '{Options.KexecPath ?? "kexec"}' on PATH, /usr/sbin or /sbin"), 0);
        }

        if (onCrash && _limit.Authorize(purpose, what) is { } refusal)
        {
            return LoaderResult.Failed(name, Interface, refusal, 0);
        }

        var result = await runner.RunAsync(kexec, arguments, Options.EffectiveTimeout, cancellationToken);
        var output = Combine(result);
        var calls = onCrash && result.StartError is null ? 1 : 0;
        if (result.Succeeded)
        {
            return LoaderResult.Ok(name, Interface, calls, output, result.ExitCode);
        }

        return LoaderResult.Failed(name, Interface, Classify(kexec, result), calls, output, result.ExitCode);
    }

    private LoadFailure Classify(string kexec, ProcessResult result)
    {
        if (result.StartError is not null)
        {
            return new LoadFailure(LoadFailureKind.LoaderUnavailable, result.StartError);
        }

        if (result.TimedOut)
        {
            return new LoadFailure(
                LoadFailureKind.Transient,
                string.Create(CultureInfo.InvariantCulture, $"{kexec} did not finish within {Options.EffectiveTimeout.TotalSeconds:0.#} s and was killed; stderr: {Quote(result.Stderr)}"));
        }

        var stderr = result.Stderr;
        var kind = stderr switch
        {
            _ when stderr.Contains("Device or resource busy", StringComparison.Ordinal) => LoadFailureKind.Transient,
            _ when stderr.Contains("Resource temporarily unavailable", StringComparison.Ordinal) => LoadFailureKind.Transient,
            _ when stderr.Contains("Cannot assign requested address", StringComparison.Ordinal) => LoadFailureKind.ReservationTooSmall,
            _ when stderr.Contains("Cannot allocate memory", StringComparison.Ordinal) => LoadFailureKind.ReservationTooSmall,
            _ when stderr.Contains("Operation not permitted", StringComparison.Ordinal) => LoadFailureKind.NotPermitted,
            _ when stderr.Contains("Key was rejected", StringComparison.Ordinal) => LoadFailureKind.SignatureRejected,
            _ => LoadFailureKind.ToolFailed,
        };
        return new LoadFailure(kind, string.Create(CultureInfo.InvariantCulture, $"{kexec} exited {result.ExitCode}: {Quote(stderr)}"));
    }

    private static string Quote(string stderr) => stderr.Length == 0 ? "(no stderr)" : stderr.TrimEnd('\n');

    private static string Combine(ProcessResult result) =>
        result.Stdout.Length == 0 ? result.Stderr : result.Stderr.Length == 0 ? result.Stdout : result.Stdout + result.Stderr;
}
