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

    public void Append(GenerationRecord record)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(record, GenerationJournalJsonContext.Default.GenerationRecord);
        var line = new byte[json.Length + 1];
        json.CopyTo(line, 0);
        line[^1] = (byte)'\n';
        DurableFiles.AppendDurably(Path, line);
    }

    /// <summary>Every whole record in the file, the last of each number winning; with "file:line: why" for each line skipped.</summary>
    public (IReadOnlyList<GenerationRecord> Records, IReadOnlyList<string> Skipped) Read()
    {
        var byNumber = new SortedDictionary<int, GenerationRecord>();
        var skipped = new List<string>();
        if (!File.Exists(Path))
        {
            return ([], []);
        }

        var number = 0;
        foreach (var line in File.ReadLines(Path))
        {
            number++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            try
            {
                var record = JsonSerializer.Deserialize(line, GenerationJournalJsonContext.Default.GenerationRecord);
                if (record is { Number: > 0 })
                {
                    byNumber[record.Number] = record;
                }
                else
                {
                    skipped.Add($"{Path}:{number}: no generation number");
                }
            }
            catch (JsonException e)
            {
                skipped.Add($"{Path}:{number}: not a whole generation record ({e.Message})");
            }
        }

        return ([.. byNumber.Values], skipped);
    }
}

/// <summary>The journal's line format, source-generated for NativeAOT; enums by name so a line reads on its own.</summary>
[JsonSourceGenerationOptions(UseStringEnumConverter = true, IgnoreReadOnlyProperties = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(GenerationRecord))]
public sealed partial class GenerationJournalJsonContext : JsonSerializerContext;
