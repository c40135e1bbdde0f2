namespace Kdumpd.Daemon.Configuration;

/// <summary>
/// Reads the configuration in the order operators expect: the JSON file, then KDUMPD__* environment
/// variables (KDUMPD__Reload__QuietWindowMs=250), then command-line options; later sources win.
/// Unknown keys and bad values are errors that name the key, not silently ignored typos.
/// </summary>
public static class ConfigLoader
{
    public sealed record Result(KdumpdOptions? Options, IReadOnlyList<string> Errors, IConfiguration Configuration);

    /// <param name="configPath">The file; when null the default path is used if it exists.</param>
    /// <param name="overrides">Values from the command line, keyed like the file ("DumpDir", "Loader:Mode").</param>
    /// <param name="readDefaultFile">Read /etc/kdumpd/kdumpd.json when no file is named (false for the built-in sample).</param>
    public static Result Load(string? configPath, IReadOnlyDictionary<string, string?> overrides, bool readDefaultFile = true)
    {
        var builder = new ConfigurationBuilder();
        var path = configPath ?? KdumpdOptions.DefaultConfigPath;
        if (configPath is not null && !File.Exists(configPath))
        {
            return new Result(null, [$"--config: {configPath} does not exist"], builder.Build());
        }

        if (configPath is not null || readDefaultFile)
        {
            builder.AddJsonFile(Path.GetFullPath(path), optional: configPath is null, reloadOnChange: false);
        }

        builder.AddEnvironmentVariables("KDUMPD__");
        builder.AddInMemoryCollection(overrides.Where(kv => kv.Value is not null));

        IConfiguration configuration;
        try
        {
            configuration = builder.Build();
        }
        catch (InvalidDataException e)
        {
            return new Result(null, [$"{path}: {e.Message}"], new ConfigurationBuilder().Build());
        }

        KdumpdOptions options;
        try
        {
            options = configuration.Get<KdumpdOptions>(o => o.ErrorOnUnknownConfiguration = true) ?? new KdumpdOptions();
        }
        catch (InvalidOperationException e)
        {
            return new Result(null, [$"{path}: {e.Message}"], configuration);
        }

        var errors = OptionsValidator.Validate(options);
        return new Result(errors.Count == 0 ? options : null, errors, configuration);
    }
}
