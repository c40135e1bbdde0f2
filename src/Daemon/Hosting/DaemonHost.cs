using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;
using Kdumpd.Api;
using Kdumpd.Api.Auth;
using Kdumpd.Api.Contracts;
using Kdumpd.Api.Dashboard;
using Kdumpd.Api.Metrics;
using Kdumpd.Core.Catalog;
using Kdumpd.Core.Host;
using Kdumpd.Core.Initrd;
using Kdumpd.Core.Loading;
using Kdumpd.Core.Planning;
using Kdumpd.Core.Reload;
using Kdumpd.Daemon.Configuration;
using Kdumpd.Daemon.Watchers;
using Serilog;

namespace Kdumpd.Daemon.Hosting;

/// <summary>How this run differs from a real host: the sample switches off what would touch the machine.</summary>
public sealed record RunContext(string? ConfigPath, bool Sample, IReadOnlyList<(string Name, ApiRole Role, string Secret)> EphemeralTokens)
{
    /// <summary>Where a configuration reload reads from; null for a daemon built from options in code (nothing to re-read).</summary>
    public ConfigurationSource? Source { get; init; }

    /// <summary>The keys read at start, to name the changed ones that need a restart.</summary>
    public IConfiguration? Configuration { get; init; }
}

/// <summary>Builds the daemon: Core services, the reload coordinator with its watchers, the catalogue upkeep, the API.</summary>
public static class DaemonHost
{
    public static WebApplication Build(KdumpdOptions options, RunContext context, Serilog.ILogger logger, Action<WebApplicationBuilder>? configure = null)
    {
        // The dump directory must exist before the first crash: the capture kernel writes into it.
        Directory.CreateDirectory(options.DumpDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        // The schema is migrated before anything else runs; a file this kdumpd cannot use is moved aside
        // and rebuilt (it holds only rebuildable rows and history): arming never waits on the catalogue.
        var started = Stopwatch.StartNew();
        var database = new KdumpdDatabase(options.Database);
        database.OpenOrRebuild(logger);
        var opened = started.Elapsed;
        var generations = new GenerationStore(database);
        var host = new HostRoot(options.HostRoot);
        var loadingOptions = LoadingOptionsFrom(options);

        // The first pass (plan and load) needs nothing more, and runs first.
        var arming = new PanicKernelArming(options, context, host, generations, loadingOptions, CoordinatorOptionsFrom(options), TimeProvider.System, logger);
        KdumpdService? service = null;
        var metrics = new KdumpdMetrics(() => (service ?? throw new InvalidOperationException("metrics scraped before the daemon was built")).Metrics());
        arming.Coordinator.PassCompleted += pass =>
        {
            if (pass.ReloadDuration is { } duration)
            {
                metrics.ObserveReload(duration);
            }
        };
        arming.Start();

        // The web host is built once the first load is over, not beside it: nothing waits for it sooner
        // (Kestrel listens and READY goes only after the first pass), and beside it the build took CPU
        // from the load (e2e guest, 2 vCPUs under TCG: kexec_file_load 2.7 s in the daemon, 1.9 s alone).
        // A first pass still running at FirstPassBound no longer holds it back.
        var passed = arming.Loop.WaitForFirstPassAsync(CancellationToken.None).GetAwaiter().GetResult();
        logger.ForContext(typeof(DaemonHost)).Information(
            passed
                ? "Database opened in {DatabaseMs} ms, first pass over {FirstPassMs} ms later; building the web host"
                : "Database opened in {DatabaseMs} ms, first pass still running {FirstPassMs} ms later; building the web host beside it",
            (long)opened.TotalMilliseconds, (long)(started.Elapsed - opened).TotalMilliseconds);
        var watch = WatchOptionsFrom(options, context, host, loadingOptions);

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            // Without this the host watches appsettings.json with a recursive inotify watch over the content
            // root, the binary's directory: a watch per subdirectory, set up before the first reload pass
            // (measured: 35-70 s before arming in the e2e guest with the binary in /var/tmp over 9p).
            Args = ["--hostBuilder:reloadConfigOnChange=false"],
            ContentRootPath = AppContext.BaseDirectory,
            EnvironmentName = Environments.Production,
        });
        // kdumpd has its own configuration (ConfigLoader); the host reads nothing else (no appsettings, no ASPNETCORE_*).
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection();
        builder.Host.UseSystemd();
        builder.Host.UseSerilog(logger, dispose: false);
        builder.Services.AddSingleton(logger);
        builder.WebHost.UseUrls(options.Urls);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            if (!string.IsNullOrEmpty(options.Api.CertificatePath))
            {
                var certificate = LoadCertificate(options.Api);
                kestrel.ConfigureHttpsDefaults(https => https.ServerCertificate = certificate);
            }
        });
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(15));

        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(context);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(host);
        builder.Services.AddSingleton(database);
        arming.AddTo(builder.Services)
            .AddReloadWatching(watch)
            .AddCatalog(options)
            .AddEgress(options)
            .AddServiceLifecycle(options);
        builder.Services.AddSingleton<KdumpdService>();
        builder.Services.AddSingleton<IKdumpdService>(sp => sp.GetRequiredService<KdumpdService>());
        builder.Services.AddSingleton(metrics);
        builder.Services.AddKdumpdApi(arming.Tokens);
        configure?.Invoke(builder);
        var app = builder.Build();
        service = app.Services.GetRequiredService<KdumpdService>();
        app.MapKdumpdApi(options.Api.PublicDocs);
        app.MapKdumpdDashboard();
        return app;
    }

    /// <summary>
    /// The planning pass the daemon runs, from configuration and the loader of the last successful load
    /// (<see cref="HostPlanning.LayoutFor(LoaderKind, string?)"/>): `kdumpd status` plans with the same one, so both report one budget.
    /// </summary>
    public static HostPlanning PlanningFor(KdumpdOptions options, HostRoot host, LoadingOptions loading, string? lastLoadedBy)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loading);
        var layout = options.Loader.Layout is { Length: > 0 } l && PlanLayoutNames.TryParse(l, out var parsed)
            ? parsed
            : HostPlanning.LayoutFor(loading.Loader, lastLoadedBy);
        return new HostPlanning(host, loading, layout, ArchProfile.FromName(options.Loader.Profile));
    }

    public static LoadingOptions LoadingOptionsFrom(KdumpdOptions options) => new()
    {
        Loader = LoaderKinds.Parse(options.Loader.Mode),
        Image = new CaptureImageOptions(options.Loader.Kernel, options.Loader.Initrd, OwnInitrd: CaptureInitrdSettingsFrom(options), Digests: DigestsBeside(options.Database)),
        CommandLine = new CaptureCommandLineOptions
        {
            Remove = [.. CaptureCommandLineOptions.DefaultRemove, .. options.Loader.Remove],
            Extras = options.Loader.Append is { Length: > 0 } append ? [append] : [],
        },
    };

    /// <summary>The capture images' digests, kept beside the database (as kdumpd's initrds are): an unchanged kernel is hashed once, not at every load and boot.</summary>
    public static FileDigests DigestsBeside(string database) =>
        FileDigests.At(Path.Join(Path.GetDirectoryName(Path.GetFullPath(database)), DigestsFileName));

    public const string DigestsFileName = "capture-digests.json";

    /// <summary>
    /// How to build kdumpd's own capture initrd; null when an initrd is configured, the operator chose the
    /// distribution's, or there is no native kdumpd binary to run as /init.
    /// </summary>
    public static CaptureInitrdSettings? CaptureInitrdSettingsFrom(KdumpdOptions options)
    {
        if (!string.IsNullOrEmpty(options.Loader.Initrd) || !options.Capture.Initrd.Equals("kdumpd", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var beside = Path.Join(Path.GetDirectoryName(Environment.ProcessPath), InitBinaryName);
        var binary = options.Capture.InitBinary is { Length: > 0 } configured ? configured
            : File.Exists(beside) ? beside
            : File.Exists(InstalledInitBinary) ? InstalledInitBinary : null;
        if (binary is null)
        {
            return null;
        }

        var capture = options.Capture;
        return new CaptureInitrdSettings
        {
            DumpDirectory = Path.GetFullPath(options.DumpDir),
            InitBinary = binary,
            CacheDirectory = Path.Join(Path.GetDirectoryName(Path.GetFullPath(options.Database)), "initrd"),
            Capture = CaptureInitrdSpec.Defaults with
            {
                Collector = capture.Collector,
                MakedumpfileArguments = capture.MakedumpfileArgs.Split(' ', StringSplitOptions.RemoveEmptyEntries),
                FinalAction = capture.FinalAction.Equals("poweroff", StringComparison.OrdinalIgnoreCase) ? "poweroff" : "reboot",
                FailureAction = Enum.TryParse<FailureAction>(capture.FailureAction, ignoreCase: true, out var failure) ? failure : FailureAction.Reboot,
                WatchdogSeconds = capture.WatchdogSeconds,
                DeviceWaitSeconds = capture.DeviceWaitSeconds,

                // The capture kernel has no hostname of its own ("localhost"): the dump folder names this host.
                Hostname = Environment.MachineName,
            },
        };
    }

    /// <summary>kdumpd's capture-only native program, /init of its capture initrd (deploy/publish.sh puts it beside kdumpd).</summary>
    public const string InitBinaryName = "kdumpd-init";

    /// <summary>Where deploy/install.sh and the Debian package put <see cref="InitBinaryName"/>.</summary>
    public const string InstalledInitBinary = "/usr/libexec/kdumpd/kdumpd-init";

    /// <summary>What the watchers watch and how the coordinator batches, from configuration (the sample watches no kernel events).</summary>
    private static WatchOptions WatchOptionsFrom(KdumpdOptions options, RunContext context, HostRoot host, LoadingOptions loading) => new()
    {
        KernelPath = options.Loader.Kernel ?? DefaultImagePath(host, loading, kernel: true),
        InitrdPath = options.Loader.Initrd ?? DefaultImagePath(host, loading, kernel: false),
        ConfigPath = context.Source?.FilePath ?? context.ConfigPath,
        KmsgPath = context.Sample || string.IsNullOrEmpty(options.Reload.Kmsg) ? null : options.Reload.Kmsg,
        Netlink = options.Reload.WatchUevents && !context.Sample,
        ReconcileInterval = TimeSpan.FromSeconds(options.Reload.ReconcileSeconds),
        Coordinator = CoordinatorOptionsFrom(options),
    };

    /// <summary>How the reload coordinator batches a burst of triggers, from configuration.</summary>
    private static ReloadCoordinatorOptions CoordinatorOptionsFrom(KdumpdOptions options) => new()
    {
        QuietWindow = TimeSpan.FromMilliseconds(options.Reload.QuietWindowMs),
        MaxDelay = TimeSpan.FromMilliseconds(options.Reload.MaxDelayMs),
    };

    /// <summary>The distribution's default capture kernel/initrd as a real path, for the file watcher; null when not found.</summary>
    private static string? DefaultImagePath(HostRoot host, LoadingOptions options, bool kernel)
    {
        if (!kernel && options.Image.OwnInitrd is not null)
        {
            // kdumpd's own initrd follows the kernel, the modules and the configuration: the plan's fingerprint covers it.
            return null;
        }

        try
        {
            // Paths for the file watchers only: hashing both images here delayed arming by seconds under emulation.
            var image = new CaptureImageLocator(host).Find(options.Image with { OwnInitrd = null });
            return kernel ? image.KernelPath : image.InitrdPath;
        }
        catch (Exception e) when (e is CaptureImageException or HostFileException)
        {
            return null;
        }
    }

    private static X509Certificate2 LoadCertificate(ApiSettings api) =>
        api.CertificateKeyPath is { Length: > 0 } key
            ? X509Certificate2.CreateFromPemFile(api.CertificatePath!, key)
            : X509CertificateLoader.LoadPkcs12FromFile(api.CertificatePath!, api.CertificatePassword);
}
