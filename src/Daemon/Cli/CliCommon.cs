using System.CommandLine;
using Kdumpd.Core.Catalog;
using Kdumpd.Core.Host;
using Kdumpd.Core.Loading;
using Kdumpd.Daemon.Configuration;

namespace Kdumpd.Daemon.Cli;

/// <summary>Options every loading verb shares, and the Core objects they open.</summary>
internal static class CliCommon
{
    public static Option<string> HostRootOption() => new("--host-root")
    {
        Description = "Read the host's /proc, /sys and /boot under this directory instead of / (tests, the sample host)",
        DefaultValueFactory = _ => "/",
    };

    public static Option<string> DatabaseOption() => new("--database")
    {
        Description = "The kdumpd SQLite database",
        DefaultValueFactory = _ => DumpCatalog.DefaultDatabasePath,
    };

    public static Option<string?> ConfigOption() => new("--config")
    {
        Description = $"Configuration file (default {KdumpdOptions.DefaultConfigPath} when it exists); the options given here win",
    };

    /// <summary>
    /// The verb's settings: the configuration file and KDUMPD__* variables, then the options the
    /// operator typed (a defaulted option does not override the file).
    /// </summary>
    public static KdumpdOptions Settings(ParseResult parseResult, Option<string?> config, Option<string> hostRoot, Option<string> database)
    {
        var overrides = new Dictionary<string, string?>();
        if (parseResult.GetResult(hostRoot) is { Implicit: false })
        {
            overrides["HostRoot"] = parseResult.GetValue(hostRoot);
        }

        if (parseResult.GetResult(database) is { Implicit: false })
        {
            overrides["Database"] = parseResult.GetValue(database);
        }

        var loaded = ConfigLoader.Load(parseResult.GetValue(config), overrides);
        return loaded.Options ?? throw new ConfigurationException(string.Join("; ", loaded.Errors));
    }

    public static Option<string?> LoaderOption() => new Option<string?>("--loader")
    {
        Description = "How to load: auto (kexec_file_load, else kexec-tools), kexec-file, kexec-tools or dry-run",
    }.AcceptOnlyFromAmong("auto", "kexec-file", "kexec-tools", "dry-run");

    /// <summary>The service the verbs drive, opened on the given root and database (migrated).</summary>
    public static PanicKernelService OpenService(string hostRoot, string databasePath, LoadingOptions options)
    {
        var host = new HostRoot(hostRoot);
        var database = new KdumpdDatabase(databasePath);
        database.Migrate();
        var sysfs = new KexecSysfs(host);
        var loaders = new PanicKernelLoaders(sysfs, new KexecSyscalls(), new Core.Processes.ProcessRunner(), options.KexecTools);
        return new PanicKernelService(host, loaders, new GenerationStore(database), options, TimeProvider.System);
    }

    /// <summary>
    /// A real kexec call acts on this machine's kernel, while a --host-root tree describes another one:
    /// its kexec_crash_loaded, reservation and load limit would be wrong about what just happened.
    /// </summary>
    public static string? RealLoaderNeedsSystemRoot(string hostRoot, LoaderKind loader) =>
        loader != LoaderKind.DryRun && !new HostRoot(hostRoot).IsSystemRoot
            ? $"--loader {loader.Name()} acts on this machine's kernel, but --host-root {hostRoot} describes another host; use --loader dry-run with a host tree"
            : null;

    /// <summary>One line on stderr, newlines folded so scripts can grep it.</summary>
    public static int Fail(ParseResult parseResult, string verb, string message)
    {
        parseResult.InvocationConfiguration.Error.WriteLine($"kdumpd {verb}: {message.TrimEnd().Replace("\n", " | ", StringComparison.Ordinal)}");
        return 1;
    }

    public static string Budget(int? loadsLeft, int? rawLimit) => rawLimit switch
    {
        null => "no kexec_load_limit_panic on this kernel",
        < 0 => "kexec_load_limit_panic unlimited",
        _ => $"kexec_load_limit_panic {loadsLeft} left",
    };
}
