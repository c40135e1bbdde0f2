using System.Text.Json;
using System.Text.Json.Serialization;

namespace Kdumpd.Core.Catalog;

/// <summary>
/// Every generation also as one JSON line in a file beside the database (kdumpd.db → kdumpd.generations.jsonl): append-only,
/// one write(2) per record and an fsync, so the history outlives a database that is deleted, replaced or
/// moved aside. <see cref="GenerationStore"/> imports the lines the database lacks at start and after a
/// rebuild. A line cut short by a crash or a full disk is skipped when read (and named in the result).
/// </summary>
public sealed class GenerationJournal(string path)
{
    public const string Extension = ".generations.jsonl";

    public string Path { get; } = System.IO.Path.GetFullPath(path);

    /// <summary>The journal of this database, named after it in its directory (the state directory, /var/lib/kdumpd).</summary>
    public static GenerationJournal Beside(KdumpdDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        return new GenerationJournal(System.IO.Path.ChangeExtension(database.Path, null) + Extension);
    }

    /// <summary>Appends the record as one line; returns where in the file the line starts and ends.</summary>
    public (long Start, long End) Append(GenerationRecord record)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(record, GenerationJournalJsonContext.Default.GenerationRecord);
        var line = new byte[json.Length + 1];
        json.CopyTo(line, 0);
        line[^1] = (byte)'\n';
        var end = DurableFiles.AppendDurably(Path, line);
        return (end - line.Length, end);
    }

    /// <summary>
    /// Every whole record from byte <paramref name="from"/> on (a line boundary the caller read up to
    /// before), the last of each number winning; with "file:line: why" (or "file: byte N: why" when not
    /// read from the start) for each line skipped, and the offset just past the last whole line.
    /// </summary>
    public JournalContents Read(long from = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(from);
        var byNumber = new SortedDictionary<int, GenerationRecord>();
        var skipped = new List<string>();
        if (!File.Exists(Path))
        {
            return new([], [], 0);
        }

        using var stream = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0);
        stream.Position = from;
        var buffer = new byte[64 * 1024];
        var filled = 0;
        var bufferAt = from; // the file offset of buffer[0]
        var line = 0;
        while (true)
        {
            if (filled == buffer.Length)
            {
                Array.Resize(ref buffer, buffer.Length * 2); // one line longer than the buffer
            }

            var n = stream.Read(buffer, filled, buffer.Length - filled);
            if (n == 0)
            {
                break;
            }

            filled += n;
            var start = 0;
            int newline;
            while ((newline = Array.IndexOf(buffer, (byte)'\n', start, filled - start)) >= 0)
            {
                Take(buffer.AsSpan(start, newline - start), bufferAt + start, ++line);
                start = newline + 1;
            }

            Buffer.BlockCopy(buffer, start, buffer, 0, filled - start);
            filled -= start;
            bufferAt += start;
        }

        if (filled > 0)
        {
            // No newline after it: cut short by a crash or a full disk, or still being appended by another process.
            Take(buffer.AsSpan(0, filled), bufferAt, ++line);
        }

        return new([.. byNumber.Values], skipped, bufferAt);

        void Take(ReadOnlySpan<byte> text, long offset, int number)
        {
            if (text.Trim(" \t\r"u8).IsEmpty)
            {
                return;
            }

            var where = from == 0 ? $"{Path}:{number}" : $"{Path}: byte {offset}";
            try
            {
                var record = JsonSerializer.Deserialize(text, GenerationJournalJsonContext.Default.GenerationRecord);
                if (record is { Number: > 0 })
                {
                    byNumber[record.Number] = record;
                }
                else
                {
                    skipped.Add($"{where}: no generation number");
                }
            }
            catch (JsonException e)
            {
                skipped.Add($"{where}: not a whole generation record ({e.Message})");
            }
        }
    }
}

/// <summary>What <see cref="GenerationJournal.Read"/> found: the records, the lines skipped and why, and where the whole lines end.</summary>
public sealed record JournalContents(IReadOnlyList<GenerationRecord> Records, IReadOnlyList<string> Skipped, long End);

/// <summary>The journal's line format, source-generated for NativeAOT; enums by name so a line reads on its own.</summary>
[JsonSourceGenerationOptions(UseStringEnumConverter = true, IgnoreReadOnlyProperties = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(GenerationRecord))]
public sealed partial class GenerationJournalJsonContext : JsonSerializerContext;
