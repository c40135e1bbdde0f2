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
    /// The binder does not say where it failed: bind each key on its own to find the keys it refuses,
    /// and name each with its source (the file with its line, or the KDUMPD__ variable) and the fix.
    /// </summary>
    private static string BindingError(InvalidOperationException e, IConfiguration configuration, string? file)
    {
        var problems = new List<string>();
        foreach (var (key, value) in configuration.AsEnumerable().Where(kv => kv.Value is not null))
        {
            var alone = new ConfigurationBuilder().AddInMemoryCollection([new KeyValuePair<string, string?>(key, value)]).Build();
            try
            {
                alone.Get<KdumpdOptions>(o => o.ErrorOnUnknownConfiguration = true);
            }
            catch (InvalidOperationException refused)
            {
                problems.Add(refused.Message.Contains("convert", StringComparison.OrdinalIgnoreCase)
                    ? $"{SourceOf(key, file)}: {key}: '{value}' is not a valid value of this key ({TypeOf(refused.Message)})"
                    : $"{SourceOf(key, file)}: {key}: unknown key (the shipped {KdumpdOptions.DefaultConfigPath} lists the keys kdumpd knows)");
            }
        }

        return problems.Count > 0 ? string.Join("; ", problems) : $"{file ?? "configuration"}: {e.Message}";
    }

    private static string TypeOf(string message)
    {
        var m = FailedKey().Match(message);
        return m.Success ? $"expected {m.Groups["type"].Value.Replace("System.", "", StringComparison.Ordinal)}" : message;
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

    [GeneratedRegex(@"to type '(?<type>[^']+)'")]
    private static partial Regex FailedKey();
}
