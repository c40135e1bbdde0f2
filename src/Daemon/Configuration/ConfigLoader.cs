using System.Text.Json;
using System.Text.RegularExpressions;

namespace Kdumpd.Daemon.Configuration;

/// <summary>
/// Reads the configuration in the order operators expect: the JSON file, then KDUMPD__* environment
/// variables (KDUMPD__Reload__QuietWindowMs=250), then command-line options; later sources win.
/// Unknown keys and bad values are errors that name the key, not silently ignored typos.
/// </summary>
public static partial class ConfigLoader
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

        var readFile = (configPath is not null || readDefaultFile) && File.Exists(path);
        if (readFile && JsonSyntaxError(path) is { } syntax)
        {
            return new Result(null, [syntax], builder.Build());
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
            return new Result(null, [BindingError(e, configuration, readFile ? path : null)], configuration);
        }

        var errors = OptionsValidator.Validate(options).Select(e => WithSource(e, overrides, readFile ? path : null)).ToList();
        return new Result(errors.Count == 0 ? options : null, errors, configuration);
    }

    /// <summary>"file:line:column: not valid JSON: ...", or null when the file parses.</summary>
    private static string? JsonSyntaxError(string path)
    {
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            return document.RootElement.ValueKind == JsonValueKind.Object ? null : $"{path}:1: the top level must be a JSON object {{ ... }}";
        }
        catch (JsonException e)
        {
            return $"{path}:{(e.LineNumber ?? 0) + 1}:{(e.BytePositionInLine ?? 0) + 1}: not valid JSON: {e.Message}";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"{path}: cannot read: {e.Message}";
        }
    }

    /// <summary>
    /// The binder says which property it did not know or could not convert, but not where: name the
    /// full key and its source (the file with its line, or the KDUMPD__ variable) and the expected form.
    /// </summary>
    private static string BindingError(InvalidOperationException e, IConfiguration configuration, string? file)
    {
        var unknown = UnknownProperties().Match(e.Message);
        var names = unknown.Success
            ? unknown.Groups["names"].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(n => n.Trim('\''))
            : [];
        var problems = new List<string>();
        foreach (var name in names)
        {
            foreach (var key in configuration.AsEnumerable().Select(kv => kv.Key).Where(k => k.Equals(name, StringComparison.OrdinalIgnoreCase) || k.EndsWith(":" + name, StringComparison.OrdinalIgnoreCase)))
            {
                problems.Add($"{SourceOf(key, file)}: {key}: unknown key (for the keys kdumpd knows see {KdumpdOptions.DefaultConfigPath} as shipped)");
            }
        }

        if (problems.Count > 0)
        {
            return string.Join("; ", problems);
        }

        var failed = FailedKey().Match(e.Message);
        if (failed.Success)
        {
            var key = failed.Groups["key"].Value;
            return $"{SourceOf(key, file)}: {key}: '{configuration[key]}' is not a valid {failed.Groups["type"].Value}";
        }

        return $"{file ?? "configuration"}: {e.Message}";
    }

    /// <summary>Prefixes a validator message ("Key: ...") with where the key's value came from.</summary>
    private static string WithSource(string error, IReadOnlyDictionary<string, string?> overrides, string? file)
    {
        var colon = error.IndexOf(": ", StringComparison.Ordinal);
        if (colon <= 0)
        {
            return error;
        }

        var key = error[..colon];
        if (overrides.TryGetValue(key, out var value) && value is not null)
        {
            return $"command line: {error}";
        }

        return $"{SourceOf(key, file)}: {error}";
    }

    /// <summary>"KDUMPD__Reload__QuietWindowMs (environment)" when a variable sets the key, else "file:line".</summary>
    private static string SourceOf(string key, string? file)
    {
        var variable = "KDUMPD__" + key.Replace(":", "__", StringComparison.Ordinal);
        if (Environment.GetEnvironmentVariables().Keys.OfType<string>().Any(v => v.Equals(variable, StringComparison.OrdinalIgnoreCase)))
        {
            return $"environment variable {variable}";
        }

        if (file is null)
        {
            return "command line";
        }

        var leaf = key[(key.LastIndexOf(':') + 1)..];
        var lines = File.ReadAllLines(file);
        var at = Array.FindIndex(lines, l => l.Contains($"\"{leaf}\"", StringComparison.OrdinalIgnoreCase));
        return at < 0 ? file : $"{file}:{at + 1}";
    }

    [GeneratedRegex(@"properties were not found on the instance of (?<type>[\w.]+): (?<names>.+)$")]
    private static partial Regex UnknownProperties();

    [GeneratedRegex(@"Failed to convert configuration value .* at '(?<key>[^']+)' to type '(?<type>[^']+)'")]
    private static partial Regex FailedKey();
}
