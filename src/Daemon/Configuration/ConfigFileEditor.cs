using System.Text.Json;
using System.Text.Json.Nodes;
using Kdumpd.Api.Auth;

namespace Kdumpd.Daemon.Configuration;

/// <summary>
/// Adds a token entry to the JSON configuration file without disturbing the rest of it. The file is
/// replaced atomically (write beside, fsync, rename) and kept at mode 0600: it is the list of who
/// may download vmcores.
/// </summary>
public static class ConfigFileEditor
{
    public static void AddToken(string path, ApiToken token)
    {
        JsonObject root;
        if (File.Exists(path))
        {
            try
            {
                root = JsonNode.Parse(File.ReadAllText(path), documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }) as JsonObject
                    ?? throw new InvalidDataException($"{path}: the top level is not a JSON object");
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{path}:{e.LineNumber + 1}: not valid JSON: {e.Message}", e);
            }
        }
        else
        {
            root = [];
        }

        var api = root["Api"] as JsonObject ?? (JsonObject)(root["Api"] = new JsonObject());
        var tokens = api["Tokens"] as JsonArray ?? (JsonArray)(api["Tokens"] = new JsonArray());
        if (tokens.OfType<JsonObject>().Any(t => string.Equals((string?)t["Name"], token.Name, StringComparison.Ordinal)))
        {
            throw new InvalidOperationException($"{path}: a token named '{token.Name}' already exists; pick another --name or remove it first");
        }

        // The JsonNode overload: Add<T> serializes T by reflection (not under NativeAOT).
        tokens.Add((JsonNode)new JsonObject
        {
            ["Name"] = token.Name,
            ["Role"] = token.Role.Name(),
            ["Sha256"] = token.Sha256,
        });

        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var temp = Path.Join(directory, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
        using (var stream = new FileStream(temp, new FileStreamOptions
        {
            Mode = FileMode.Create,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        }))
        {
            using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
            {
                root.WriteTo(writer);
            }

            stream.WriteByte((byte)'\n');
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
    }
}
