using System.Text.Json;
using System.Text.Json.Nodes;
using Kdumpd.Api.Auth;

namespace Kdumpd.Daemon.Configuration;

/// <summary>What an edit of the configuration file did beyond its purpose.</summary>
/// <param name="CommentsDropped">The file held comments, which a rewrite cannot keep.</param>
/// <param name="Backup">Where the file as it was before the edit was saved, when comments were dropped.</param>
public sealed record ConfigEdit(bool CommentsDropped, string? Backup);

/// <summary>
/// Adds a token entry to the JSON configuration file without disturbing the rest of it. Edits are
/// serialized by an exclusive lock on &lt;file&gt;.lock (parallel <c>token new</c> runs each keep their
/// token), and the file is replaced atomically (write beside, fsync, rename) at mode 0600: it is the
/// list of who may download vmcores. A rewrite cannot keep comments: when the file has any, the
/// original is kept as &lt;file&gt;.bak and the result says so.
/// </summary>
public static class ConfigFileEditor
{
    /// <summary>How long an edit waits for another one to finish.</summary>
    public static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(30);

    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public static ConfigEdit AddToken(string path, ApiToken token)
    {
        ArgumentNullException.ThrowIfNull(token);
        var full = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(directory);
        using var editLock = AcquireLock(full + ".lock");

        var original = File.Exists(full) ? File.ReadAllBytes(full) : null;
        var root = original is null ? [] : Parse(full, original);
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

        string? backup = null;
        var comments = original is not null && HasComments(original);
        if (comments)
        {
            backup = full + ".bak";
            WritePrivate(directory, backup, original!);
        }

        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            root.WriteTo(writer);
        }

        buffer.WriteByte((byte)'\n');
        WritePrivate(directory, full, buffer.ToArray());
        return new ConfigEdit(comments, backup);
    }

    private static JsonObject Parse(string path, byte[] content)
    {
        try
        {
            return JsonNode.Parse(content, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }) as JsonObject
                ?? throw new InvalidDataException($"{path}: the top level is not a JSON object");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}:{e.LineNumber + 1}: not valid JSON: {e.Message}", e);
        }
    }

    private static bool HasComments(byte[] content)
    {
        var reader = new Utf8JsonReader(content, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Allow, AllowTrailingCommas = true });
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.Comment)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Write beside, fsync, rename: a reader sees the old file or the new one, never half of one.</summary>
    private static void WritePrivate(string directory, string path, byte[] content)
    {
        var temp = Path.Join(directory, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
        try
        {
            using (var stream = new FileStream(temp, new FileStreamOptions
            {
                Mode = FileMode.Create,
                Access = FileAccess.Write,
                UnixCreateMode = Private,
            }))
            {
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    /// <summary>
    /// An exclusive lock held while the stream is open: .NET takes flock(LOCK_EX) on a FileShare.None
    /// stream, and fails at once when another process holds it, so wait and retry.
    /// </summary>
    private static FileStream AcquireLock(string lockPath)
    {
        var deadline = DateTime.UtcNow + LockTimeout;
        while (true)
        {
            try
            {
                return new FileStream(lockPath, new FileStreamOptions
                {
                    Mode = FileMode.OpenOrCreate,
                    Access = FileAccess.ReadWrite,
                    Share = FileShare.None,
                    UnixCreateMode = Private,
                });
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(Random.Shared.Next(5, 25));
            }
        }
    }
}
