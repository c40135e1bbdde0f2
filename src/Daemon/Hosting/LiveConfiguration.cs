using Kdumpd.Api.Auth;
using Kdumpd.Core.Host;
using Kdumpd.Core.Loading;
using Kdumpd.Core.Reload;
using Kdumpd.Daemon.Configuration;

namespace Kdumpd.Daemon.Hosting;

/// <summary>What a configuration reload did: applied (with the keys taken and those waiting for a restart) or refused.</summary>
public sealed record ConfigurationReloadResult(bool Applied, IReadOnlyList<string> Errors, IReadOnlyList<string> AppliedKeys, IReadOnlyList<string> RestartKeys);

/// <summary>
/// The configuration in force and its reload (SIGHUP, a change of the file). The whole configuration
/// is read and validated again from the same sources as at start. A valid one is applied at once for
/// every key a running daemon can take (<see cref="AppliedLive"/>: tokens, loader, capture, retention,
/// the operator reload interval), and each other changed key is logged as needing a restart. An
/// invalid one changes nothing: the error names the file and line (or variable) and the key.
/// </summary>
public sealed class LiveConfiguration
{
    /// <summary>Keys and sections applied without a restart; every other key (listen URLs, paths, watchers, logging, egress) needs one.</summary>
    public static readonly IReadOnlyList<string> AppliedLive = ["Api:Tokens", "Loader", "Capture", "Retention", "Reload:OperatorIntervalSeconds"];

    private readonly Lock _gate = new();
    private readonly ConfigurationSource? _source;
    private readonly IReadOnlyDictionary<string, string>? _atStart;
    private readonly HostRoot _host;
    private readonly PanicKernelService _loading;
    private readonly ApiTokenSet _tokens;
    private readonly OperatorReloadGate _operatorGate;
    private readonly IReadOnlyList<ApiToken> _ephemeralTokens;
    private readonly Serilog.ILogger _log;
    private IReadOnlyDictionary<string, string>? _inForce;
    private byte[]? _digest;
    private KdumpdOptions _options;
    private HostPlanning _planning;
    private string? _loadedBy;

    /// <param name="options">The configuration the daemon was built with.</param>
    /// <param name="context">Where it came from (<see cref="RunContext.Source"/>; none for a daemon built in code) and the flattened keys read at start.</param>
    /// <param name="planning">The planning pass these options give (<see cref="DaemonHost.PlanningFor"/>).</param>
    /// <param name="loadedBy">The loader of the last successful load, which chose <paramref name="planning"/>'s header layout.</param>
    public LiveConfiguration(KdumpdOptions options, RunContext context, HostRoot host, PanicKernelService loading, ApiTokenSet tokens,
        OperatorReloadGate operatorGate, HostPlanning planning, string? loadedBy, Serilog.ILogger log)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(log);
        _options = options;
        _source = context.Source;
        _atStart = context.Configuration is { } start ? Flatten(start) : null;
        _inForce = _atStart;
        _digest = _source?.FileDigest();
        _host = host;
        _loading = loading;
        _tokens = tokens;
        _operatorGate = operatorGate;
        _ephemeralTokens = EphemeralTokens(context);
        _log = log.ForContext<LiveConfiguration>();
        _loadedBy = loadedBy;
        _planning = planning;
    }

    /// <summary>The options in force; read the <see cref="AppliedLive"/> keys from here, the others from the start's options.</summary>
    public KdumpdOptions Options => Volatile.Read(ref _options);

    /// <summary>The planning pass built from the options in force.</summary>
    public HostPlanning Planning => Volatile.Read(ref _planning);

    /// <summary>
    /// After a successful load by <paramref name="loader"/>: later passes plan the header that loader writes
    /// (auto fell back to kexec-tools, or came back to kexec_file_load), so the next probe matches the load.
    /// </summary>
    public void FollowLoader(string loader)
    {
        lock (_gate)
        {
            if (_loadedBy == loader)
            {
                return;
            }

            _loadedBy = loader;
            Volatile.Write(ref _planning, DaemonHost.PlanningFor(Options, _host, _loading.Options, loader));
        }
    }

    /// <summary>The tokens the configuration and the run's own (sample) tokens grant.</summary>
    public static IReadOnlyList<ApiToken> TokensFrom(KdumpdOptions options, RunContext context)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(context);
        return TokensFrom(options, EphemeralTokens(context));
    }

    private static IReadOnlyList<ApiToken> EphemeralTokens(RunContext context) =>
        [.. context.EphemeralTokens.Select(t => new ApiToken(t.Name, t.Role, ApiToken.Hash(t.Secret)))];

    /// <summary>Reads the configuration again when the file's bytes changed since the last read (the file watcher's and reconcile's passes call this).</summary>
    public ConfigurationReloadResult? ReloadIfFileChanged(string reason)
    {
        if (_source?.FileDigest() is not { } digest)
        {
            return null;
        }

        lock (_gate)
        {
            if (_digest is { } seen && seen.AsSpan().SequenceEqual(digest))
            {
                return null;
            }
        }

        return Reload(reason);
    }

    /// <summary>Reads, validates and applies the whole configuration (SIGHUP does this unconditionally).</summary>
    public ConfigurationReloadResult Reload(string reason)
    {
        if (_source is null)
        {
            _log.Information("Configuration reload ({Reason}): this daemon was built without a configuration source; nothing re-read", reason);
            return new ConfigurationReloadResult(false, ["no configuration source"], [], []);
        }

        lock (_gate)
        {
            _digest = _source.FileDigest();
            var loaded = _source.Load();
            if (loaded.Options is not { } options)
            {
                _log.Error("Configuration reload ({Reason}) refused: {Errors}; the configuration in force stays unchanged",
                    reason, string.Join("; ", loaded.Errors));
                return new ConfigurationReloadResult(false, loaded.Errors, [], []);
            }

            var keys = Flatten(loaded.Configuration);
            var applied = Changed(_inForce, keys).Where(IsLive).ToList();
            var restart = _atStart is null ? [] : Changed(_atStart, keys).Where(k => !IsLive(k)).ToList();

            var loadingOptions = DaemonHost.LoadingOptionsFrom(options);
            var tokens = TokensFrom(options, _ephemeralTokens);
            var before = _tokens.Current.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
            _loading.Reconfigure(loadingOptions);
            Volatile.Write(ref _planning, DaemonHost.PlanningFor(options, _host, loadingOptions, _loadedBy));
            _tokens.Replace(tokens);
            _operatorGate.MinInterval = TimeSpan.FromSeconds(options.Reload.OperatorIntervalSeconds);
            Volatile.Write(ref _options, options);
            _inForce = keys;

            var names = tokens.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
            _log.Information(
                "Configuration reloaded ({Reason}) from {Source}: changed and applied {AppliedKeys}; {TokenCount} API tokens in force (added {TokensAdded}, removed {TokensRemoved})",
                reason, _source.Describe(), applied, tokens.Count, names.Except(before).ToArray(), before.Except(names).ToArray());
            foreach (var key in restart)
            {
                _log.Warning("Configuration: {Key} changed in {Source} but needs a restart (systemctl restart kdumpd); the value read at start stays in force",
                    key, _source.Describe());
            }

            return new ConfigurationReloadResult(true, [], applied, restart);
        }
    }

    private static IReadOnlyList<ApiToken> TokensFrom(KdumpdOptions options, IReadOnlyList<ApiToken> ephemeral) =>
        [.. options.Api.Tokens
            .Select(t => new ApiToken(t.Name, ApiRoles.TryParse(t.Role, out var role) ? role : ApiRole.Read, t.Sha256.ToLowerInvariant()))
            .Concat(ephemeral)];

    private static bool IsLive(string key) => AppliedLive.Any(live =>
        key.Equals(live, StringComparison.OrdinalIgnoreCase) || key.StartsWith(live + ":", StringComparison.OrdinalIgnoreCase));

    /// <summary>Every key whose value differs (or exists on one side only); a token's key names its index, never its hash.</summary>
    private static IEnumerable<string> Changed(IReadOnlyDictionary<string, string>? before, IReadOnlyDictionary<string, string> after)
    {
        before ??= new Dictionary<string, string>();
        return before.Keys.Union(after.Keys, StringComparer.OrdinalIgnoreCase)
            .Where(k => !before.TryGetValue(k, out var old) || !after.TryGetValue(k, out var now) || !string.Equals(old, now, StringComparison.Ordinal))
            .Order(StringComparer.OrdinalIgnoreCase);
    }

    private static Dictionary<string, string> Flatten(IConfiguration configuration) =>
        configuration.AsEnumerable()
            .Where(kv => kv.Value is not null)
            .ToDictionary(kv => kv.Key, kv => kv.Value!, StringComparer.OrdinalIgnoreCase);
}
