using System.Collections.Immutable;
using System.Globalization;

namespace Kdumpd.Core.Host;

/// <summary>
/// /proc/iomem as the nested tree it is: two spaces of indentation per level, "start-end : name"
/// with 64-bit hex bounds (inclusive end) and names that may hold spaces and colons.
/// </summary>
public sealed class IomemTree
{
    public const string HostPath = "/proc/iomem";

    private IomemTree(ImmutableArray<IomemResource> roots, ImmutableArray<IomemResource> all)
    {
        Roots = roots;
        All = all;
    }

    public ImmutableArray<IomemResource> Roots { get; }

    /// <summary>Every resource in file order (pre-order).</summary>
    public ImmutableArray<IomemResource> All { get; }

    /// <summary>
    /// The outermost "System RAM" resources (also "System RAM (kmem)" and the like below non-RAM parents):
    /// what the kernel's walk_system_ram_res visits. Children of RAM ("Kernel code", "Crash kernel") are not RAM ranges of their own.
    /// </summary>
    public ImmutableArray<IomemResource> SystemRam()
    {
        var builder = ImmutableArray.CreateBuilder<IomemResource>();
        foreach (var root in Roots)
        {
            CollectRam(root, builder);
        }

        // Pre-order of a tree whose siblings ascend and whose children lie inside their parent (Parse
        // checks both) is already in address order.
        return builder.ToImmutable();
    }

    /// <summary>Every "Crash kernel" reservation (low and high), in address order.</summary>
    public ImmutableArray<IomemResource> CrashKernels() => Named("Crash kernel");

    public ImmutableArray<IomemResource> Named(string name)
    {
        var builder = ImmutableArray.CreateBuilder<IomemResource>();
        foreach (var r in All)
        {
            if (r.Name == name)
            {
                builder.Add(r);
            }
        }

        return builder.ToImmutable();
    }

    private static void CollectRam(IomemResource resource, ImmutableArray<IomemResource>.Builder into)
    {
        if (resource.IsSystemRam)
        {
            into.Add(resource);
            return;
        }

        foreach (var child in resource.Children)
        {
            CollectRam(child, into);
        }
    }

    /// <summary>Parses the text of /proc/iomem; <paramref name="filePath"/> only names the file in errors.</summary>
    public static IomemTree Parse(string text, string filePath = HostPath)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (IsAllZero(text, filePath))
        {
            throw new HostPrivilegeException(HostPath, filePath, "every address is zero, the kernel hides them from unprivileged readers");
        }

        var roots = new List<Node>();
        var stack = new List<Node>();
        var count = 0;
        var lineNumber = 0;
        foreach (var rawLine in text.AsSpan().EnumerateLines())
        {
            lineNumber++;
            if (rawLine.IsWhiteSpace())
            {
                continue;
            }

            var (start, end, name, depth) = ParseLine(rawLine, filePath, lineNumber);
            if (depth > stack.Count)
            {
                throw Error(filePath, lineNumber, $"indentation jumps to level {depth} under level {stack.Count - 1}");
            }

            stack.RemoveRange(depth, stack.Count - depth);
            var node = new Node(start, end, name, depth, lineNumber);
            var siblings = depth == 0 ? roots : stack[depth - 1].Children;
            if (depth > 0)
            {
                var parent = stack[depth - 1];
                if (start < parent.Start || end > parent.End)
                {
                    throw Error(filePath, lineNumber, $"{start:x}-{end:x} '{name}' lies outside its parent {parent.Start:x}-{parent.End:x} '{parent.Name}' (line {parent.Line})");
                }
            }

            if (siblings.Count > 0 && siblings[^1].End >= start)
            {
                var previous = siblings[^1];
                throw Error(filePath, lineNumber, $"{start:x}-{end:x} '{name}' overlaps or precedes {previous.Start:x}-{previous.End:x} '{previous.Name}' (line {previous.Line})");
            }

            siblings.Add(node);
            stack.Add(node);
            count++;
        }

        if (count == 0)
        {
            throw Error(filePath, null, "no resources");
        }

        var all = ImmutableArray.CreateBuilder<IomemResource>(count);
        var rootResources = ImmutableArray.CreateBuilder<IomemResource>(roots.Count);
        foreach (var root in roots)
        {
            rootResources.Add(root.Freeze());
        }

        foreach (var root in rootResources)
        {
            Flatten(root, all);
        }

        return new IomemTree(rootResources.MoveToImmutable(), all.MoveToImmutable());
    }

    /// <summary>An unprivileged reader sees every range as 00000000-00000000; checked before anything else complains.</summary>
    private static bool IsAllZero(string text, string filePath)
    {
        var lineNumber = 0;
        var any = false;
        foreach (var line in text.AsSpan().EnumerateLines())
        {
            lineNumber++;
            if (line.IsWhiteSpace())
            {
                continue;
            }

            var (start, end, _, _) = ParseLine(line, filePath, lineNumber);
            if (start != 0 || end != 0)
            {
                return false;
            }

            any = true;
        }

        return any;
    }

    private static void Flatten(IomemResource resource, ImmutableArray<IomemResource>.Builder into)
    {
        into.Add(resource);
        foreach (var child in resource.Children)
        {
            Flatten(child, into);
        }
    }

    private static (ulong Start, ulong End, string Name, int Depth) ParseLine(ReadOnlySpan<char> line, string filePath, int lineNumber)
    {
        var indent = 0;
        while (indent < line.Length && line[indent] == ' ')
        {
            indent++;
        }

        if (indent % 2 != 0)
        {
            throw Error(filePath, lineNumber, $"odd indentation of {indent} spaces");
        }

        var rest = line[indent..];
        var dash = rest.IndexOf('-');
        var colon = rest.IndexOf(" : ", StringComparison.Ordinal);
        if (dash <= 0 || colon < dash)
        {
            throw Error(filePath, lineNumber, $"expected 'start-end : name', got '{line.ToString()}'");
        }

        if (!ulong.TryParse(rest[..dash], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var start)
            || !ulong.TryParse(rest[(dash + 1)..colon], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var end))
        {
            throw Error(filePath, lineNumber, $"bad hex address range '{rest[..colon].ToString()}'");
        }

        if (end < start)
        {
            throw Error(filePath, lineNumber, $"range ends before it starts: {start:x}-{end:x}");
        }

        var name = rest[(colon + 3)..].ToString();
        return (start, end, name, indent / 2);
    }

    private static HostFileException Error(string filePath, int? line, string problem) => new(HostPath, filePath, problem, line);

    private sealed class Node(ulong start, ulong end, string name, int depth, int line)
    {
        public ulong Start { get; } = start;

        public ulong End { get; } = end;

        public string Name { get; } = name;

        public int Depth { get; } = depth;

        public int Line { get; } = line;

        public List<Node> Children { get; } = [];

        public IomemResource Freeze()
        {
            var children = ImmutableArray.CreateBuilder<IomemResource>(Children.Count);
            foreach (var child in Children)
            {
                children.Add(child.Freeze());
            }

            return new IomemResource(Start, End, Name, Depth, Line, children.MoveToImmutable());
        }
    }
}
