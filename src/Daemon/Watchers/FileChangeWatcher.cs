using Kdumpd.Core.Reload;

namespace Kdumpd.Daemon.Watchers;

/// <summary>
/// Watches the capture kernel, the initrd and the configuration file. Package managers and
/// editors replace files by writing a temporary name and renaming it into place (dpkg's
/// ".dpkg-new", rpm's ";hash", vim's "4913"): a watch on the file itself would follow the old
/// inode and go deaf. So the DIRECTORY is watched and events are matched by file name, for
/// Created, Changed, Deleted and both sides of Renamed. A symlinked path is also watched at its target.
/// </summary>
public sealed class FileChangeWatcher : IHostedService, IDisposable
{
    public const string WatcherName = "files";

    private readonly ReloadCoordinator _coordinator;
    private readonly WatchOptions _options;
    private readonly ILogger<FileChangeWatcher> _log;
    private readonly List<FileSystemWatcher> _watchers = [];

    public FileChangeWatcher(ReloadCoordinator coordinator, WatchOptions options, ILogger<FileChangeWatcher> log)
    {
        _coordinator = coordinator;
        _options = options;
        _log = log;
    }

    /// <summary>The directories actually watched.</summary>
    public IReadOnlyList<string> Directories => _watchers.Select(w => w.Path).ToArray();

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var byDirectory = WatchedFiles()
            .GroupBy(f => Path.GetDirectoryName(f.Path)!, StringComparer.Ordinal);
        var missing = new List<string>();
        foreach (var group in byDirectory)
        {
            if (!Directory.Exists(group.Key))
            {
                missing.Add(group.Key);
                _log.LogWarning("Not watching {Files}: directory {Directory} does not exist (the periodic reconcile still checks them)",
                    group.Select(f => f.Path).ToArray(), group.Key);
                continue;
            }

            var names = group.ToDictionary(f => Path.GetFileName(f.Path), f => f.Kind, StringComparer.Ordinal);
            var watcher = new FileSystemWatcher(group.Key)
            {
                IncludeSubdirectories = false,
                NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.CreationTime,
            };
            watcher.Created += (_, e) => OnChange(names, e.Name, e.FullPath, "Created");
            watcher.Changed += (_, e) => OnChange(names, e.Name, e.FullPath, "Changed");
            watcher.Deleted += (_, e) => OnChange(names, e.Name, e.FullPath, "Deleted");
            watcher.Renamed += (_, e) =>
            {
                OnChange(names, e.Name, e.FullPath, "Renamed");
                OnChange(names, e.OldName, e.OldFullPath, "Renamed away");
            };
            watcher.Error += (_, e) => OnError(group.Key, e.GetException());
            watcher.EnableRaisingEvents = true;
            _watchers.Add(watcher);
            if (_log.IsEnabled(LogLevel.Information))
            {
                _log.LogInformation("Watching {Files} in {Directory}", names.Keys.ToArray(), group.Key);
            }
        }

        _coordinator.Stats.SetWatcher(WatcherName, _watchers.Count > 0,
            missing.Count == 0 ? string.Join(", ", Directories) : "missing: " + string.Join(", ", missing));
        return Task.CompletedTask;
    }

    private IEnumerable<(string Path, ReloadTriggerKind Kind)> WatchedFiles()
    {
        var files = new List<(string, ReloadTriggerKind)>();
        Add(_options.KernelPath, ReloadTriggerKind.KernelFileChanged);
        Add(_options.InitrdPath, ReloadTriggerKind.InitrdFileChanged);
        Add(_options.ConfigPath, ReloadTriggerKind.ConfigChanged);
        return files.Distinct();

        void Add(string? path, ReloadTriggerKind kind)
        {
            if (string.IsNullOrWhiteSpace(path))
            {
                return;
            }

            var full = Path.GetFullPath(path);
            files.Add((full, kind));
            try
            {
                // /boot/vmlinuz -> vmlinuz-6.12.0: a new kernel may only change the target.
                if (File.ResolveLinkTarget(full, returnFinalTarget: true) is { } target)
                {
                    files.Add((Path.GetFullPath(target.FullName), kind));
                }
            }
            catch (IOException)
            {
                // a dangling or looping link: the name itself is still watched
            }
        }
    }

    private void OnChange(Dictionary<string, ReloadTriggerKind> names, string? name, string path, string change)
    {
        if (name is null || !names.TryGetValue(name, out var kind))
        {
            return;
        }

        if (_log.IsEnabled(LogLevel.Debug))
        {
            _log.LogDebug("{Path}: {Change}", path, change);
        }
        _coordinator.Post(ReloadTrigger.FileChanged(kind, path, change, _coordinator.Time.GetUtcNow()));
    }

    private void OnError(string directory, Exception error)
    {
        // inotify queue overflow: changes were lost, so re-read everything.
        _log.LogWarning(error, "Watching {Directory} lost events; re-reading the host", directory);
        _coordinator.Post(new ReloadTrigger(ReloadTriggerKind.PeriodicReconcile, _coordinator.Time.GetUtcNow())
        {
            Detail = $"file watcher on {directory} lost events: {error.Message}",
        });
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        foreach (var watcher in _watchers)
        {
            watcher.EnableRaisingEvents = false;
        }

        _coordinator.Stats.SetWatcher(WatcherName, false, "stopped");
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        foreach (var watcher in _watchers)
        {
            watcher.Dispose();
        }

        _watchers.Clear();
    }
}
