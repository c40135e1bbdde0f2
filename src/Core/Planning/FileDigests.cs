using System.Security.Cryptography;
using System.Text.Json;
using Kdumpd.Core.Dumps;
using Microsoft.Win32.SafeHandles;

namespace Kdumpd.Core.Planning;

/// <summary>
/// The SHA-256 of capture kernels and initrds, remembered by what names one content of a file:
/// device, inode, size, mtime and ctime (the way git's index and rsync's quick check avoid
/// re-reading). Every plan pass, `kdumpd load` and every boot hash the capture kernel and initrd;
/// measured in the e2e guest (QEMU/TCG), loading OpenSSL and hashing an 8 MB kernel took more time
/// than the rest of a load outside the kexec call. An unchanged file is now hashed once.
/// <para>
/// Optionally kept in a JSON file (beside the database, root only); that file is a cache, never the
/// truth: unreadable or malformed, it is ignored and rewritten; it cannot be written, nothing fails.
/// A file replaced or changed gets a new ctime (no program can set it back), so a stale digest is never served.
/// </para>
/// </summary>
public sealed class FileDigests
{
    /// <summary>
    /// Entries kept in the file: kernels of a few releases, their initrds, and the 20-40 host files that
    /// kdumpd's capture initrd is made of (its key is their digests').
    /// </summary>
    public const int MaxEntries = 256;

    private const int FormatVersion = 1;

    private readonly string? _path;
    private readonly Lock _lock = new();
    private readonly List<Entry> _entries; // most recently used first
    private bool _dirty;

    private FileDigests(string? path, List<Entry> entries)
    {
        _path = path;
        _entries = entries;
    }

    /// <summary>Digests computed by this instance (not served from memory or the file): for tests and logs.</summary>
    public int Computed { get; private set; }

    /// <summary>Where the digests are kept; null for memory only.</summary>
    public string? Path => _path;

    /// <summary>Memory only: one process's passes share the digests.</summary>
    public static FileDigests InMemory() => new(null, []);

    /// <summary>Kept in <paramref name="path"/> (read now if it is there and well-formed).</summary>
    public static FileDigests At(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return new FileDigests(path, Load(path));
    }

    /// <summary>
    /// The lower-case hex SHA-256 of the open file <paramref name="stream"/> (at <paramref name="path"/>),
    /// read from its start only when no digest is known for its current identity. The stream's position
    /// is left undefined.
    /// </summary>
    public string Sha256(string path, FileStream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var before = Identity(stream.SafeFileHandle);
        lock (_lock)
        {
            var known = _entries.FindIndex(e => e.Path == path && e.Is(before));
            if (known >= 0)
            {
                var hit = _entries[known];
                _entries.RemoveAt(known);
                _entries.Insert(0, hit);
                return hit.Sha256;
            }
        }

        stream.Position = 0;
        var digest = Convert.ToHexStringLower(SHA256.HashData(stream));
        var after = Identity(stream.SafeFileHandle);
        lock (_lock)
        {
            Computed++;

            // Changed while being read: the digest is of no one content, so it is returned but not remembered.
            if (after == before)
            {
                _entries.RemoveAll(e => e.Path == path);
                _entries.Insert(0, new Entry(path, before, digest));
                if (_entries.Count > MaxEntries)
                {
                    _entries.RemoveRange(MaxEntries, _entries.Count - MaxEntries);
                }

                _dirty = true;
            }
        }

        return digest;
    }

    /// <summary>Writes the file when a digest was added (atomically, mode 0600); a failure to write is not an error.</summary>
    public void Save()
    {
        // Under the lock: two passes saving at once would write one temporary file together.
        lock (_lock)
        {
            if (_path is null || !_dirty)
            {
                return;
            }

            Write(_path, Serialize(_entries));
            _dirty = false;
        }
    }

    private static void Write(string path, byte[] json)
    {
        var temporary = path + ".tmp";
        try
        {
            using (var file = new FileStream(temporary, new FileStreamOptions
            {
                Mode = FileMode.Create,
                Access = FileAccess.Write,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            }))
            {
                file.Write(json);
            }

            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A read-only view (kdumpd status as a user) or a full disk: the digests are only a cache.
            try
            {
                File.Delete(temporary);
            }
            catch (Exception again) when (again is IOException or UnauthorizedAccessException)
            {
            }
        }
    }

    private static FileIdentity Identity(SafeFileHandle handle)
    {
        var s = FileStatus.Of(handle);
        return new FileIdentity(s.Device, s.Inode, s.Size, s.MtimeNanoseconds, s.CtimeNanoseconds);
    }

    private static List<Entry> Load(string path)
    {
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("version", out var version) || version.ValueKind != JsonValueKind.Number
                || version.GetInt32() != FormatVersion || !root.TryGetProperty("files", out var files) || files.ValueKind != JsonValueKind.Array)
            {
                return [];
            }

            var entries = new List<Entry>();
            foreach (var f in files.EnumerateArray().Take(MaxEntries))
            {
                if (Entry.TryRead(f) is { } entry)
                {
                    entries.Add(entry);
                }
            }

            return entries;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or FormatException or InvalidOperationException or KeyNotFoundException)
        {
            return [];
        }
    }

    private static byte[] Serialize(List<Entry> entries)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteNumber("version", FormatVersion);
            w.WriteStartArray("files");
            foreach (var e in entries)
            {
                w.WriteStartObject();
                w.WriteString("path", e.Path);
                w.WriteNumber("device", e.Identity.Device);
                w.WriteNumber("inode", e.Identity.Inode);
                w.WriteNumber("size", e.Identity.Size);
                w.WriteNumber("mtimeNs", e.Identity.MtimeNanoseconds);
                w.WriteNumber("ctimeNs", e.Identity.CtimeNanoseconds);
                w.WriteString("sha256", e.Sha256);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private readonly record struct FileIdentity(ulong Device, ulong Inode, long Size, long MtimeNanoseconds, long CtimeNanoseconds);

    private sealed record Entry(string Path, FileIdentity Identity, string Sha256)
    {
        public bool Is(FileIdentity identity) => Identity == identity;

        public static Entry? TryRead(JsonElement e)
        {
            if (e.ValueKind != JsonValueKind.Object
                || !e.TryGetProperty("path", out var path) || path.GetString() is not { Length: > 0 } p
                || !e.TryGetProperty("sha256", out var sha) || sha.GetString() is not { Length: 64 } digest
                || !digest.All(char.IsAsciiHexDigitLower))
            {
                return null;
            }

            return new Entry(p, new FileIdentity(
                e.GetProperty("device").GetUInt64(),
                e.GetProperty("inode").GetUInt64(),
                e.GetProperty("size").GetInt64(),
                e.GetProperty("mtimeNs").GetInt64(),
                e.GetProperty("ctimeNs").GetInt64()), digest);
        }
    }
}
