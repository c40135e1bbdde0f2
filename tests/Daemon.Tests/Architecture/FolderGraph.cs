using System.Reflection;
using System.Reflection.Emit;

namespace Kdumpd.Daemon.Tests.Architecture;

/// <summary>
/// Which folder (namespace below Kdumpd.Core or Kdumpd.Daemon) uses which, read from the compiled
/// assemblies: signatures (base types, fields, properties, parameters, returns) and every type,
/// method and field token in the method bodies, so a call inside a lambda counts too.
/// </summary>
internal sealed class FolderGraph
{
    private static readonly Dictionary<short, OpCode> _opCodes = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    private FolderGraph(string root, Dictionary<string, Dictionary<string, string>> edges)
    {
        Root = root;
        Edges = edges;
    }

    /// <summary>"Kdumpd.Core" or "Kdumpd.Daemon".</summary>
    public string Root { get; }

    /// <summary>From folder → to folder → one example ("Type → Type") of the use.</summary>
    public Dictionary<string, Dictionary<string, string>> Edges { get; }

    public static FolderGraph Of(Assembly assembly, string root)
    {
        var edges = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        foreach (var type in assembly.GetTypes())
        {
            if (Folder(type, root) is not { } from)
            {
                continue;
            }

            foreach (var used in Uses(type))
            {
                if (Folder(used, root) is { } to && to != from)
                {
                    var targets = edges.TryGetValue(from, out var t) ? t : edges[from] = new(StringComparer.Ordinal);
                    targets.TryAdd(to, $"{type.FullName} uses {used.FullName}");
                }
            }
        }

        return new FolderGraph(root, edges);
    }

    /// <summary>This graph with one more edge (a use nobody wrote), to prove that <see cref="FindCycle"/> can fail.</summary>
    public FolderGraph WithEdge(string from, string to)
    {
        var edges = Edges.ToDictionary(e => e.Key, e => new Dictionary<string, string>(e.Value, StringComparer.Ordinal), StringComparer.Ordinal);
        if (!edges.TryGetValue(from, out var targets))
        {
            edges[from] = targets = new Dictionary<string, string>(StringComparer.Ordinal);
        }

        targets[to] = "synthetic";
        return new FolderGraph(Root, edges);
    }

    public bool Uses(string from, string to) => Edges.TryGetValue(from, out var t) && t.ContainsKey(to);

    public string Example(string from, string to) => Edges[from][to];

    /// <summary>One cycle as "A → B → A" with an example per step, or null when the graph is acyclic.</summary>
    public string? FindCycle()
    {
        var state = new Dictionary<string, int>(StringComparer.Ordinal);
        var path = new List<string>();
        foreach (var start in Edges.Keys.Order(StringComparer.Ordinal))
        {
            if (Visit(start, state, path) is { } cycle)
            {
                return cycle;
            }
        }

        return null;
    }

    private string? Visit(string node, Dictionary<string, int> state, List<string> path)
    {
        if (state.TryGetValue(node, out var s))
        {
            if (s == 1)
            {
                var loop = path[path.IndexOf(node)..].Append(node).ToList();
                return string.Join(" → ", loop) + ": " + string.Join("; ", loop.Zip(loop.Skip(1), Example));
            }

            return null;
        }

        state[node] = 1;
        path.Add(node);
        foreach (var next in Edges.TryGetValue(node, out var t) ? t.Keys.Order(StringComparer.Ordinal).ToList() : [])
        {
            if (Visit(next, state, path) is { } cycle)
            {
                return cycle;
            }
        }

        path.RemoveAt(path.Count - 1);
        state[node] = 2;
        return null;
    }

    private static string? Folder(Type type, string root)
    {
        var ns = type.Namespace;
        if (ns is null || !ns.StartsWith(root + ".", StringComparison.Ordinal))
        {
            return null;
        }

        var rest = ns[(root.Length + 1)..];
        var dot = rest.IndexOf('.', StringComparison.Ordinal);
        return dot < 0 ? rest : rest[..dot];
    }

    private static IEnumerable<Type> Uses(Type type)
    {
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        var used = new List<Type>();
        if (type.BaseType is { } b)
        {
            used.Add(b);
        }

        used.AddRange(type.GetInterfaces());
        used.AddRange(type.GetFields(all).Select(f => f.FieldType));
        used.AddRange(type.GetProperties(all).Select(p => p.PropertyType));
        foreach (var method in type.GetMethods(all).Cast<MethodBase>().Concat(type.GetConstructors(all)))
        {
            if (method is MethodInfo m)
            {
                used.Add(m.ReturnType);
            }

            used.AddRange(method.GetParameters().Select(p => p.ParameterType));
            used.AddRange(BodyTypes(method));
        }

        return used.SelectMany(Expand);
    }

    /// <summary>The type itself, its element type and generic arguments, all the way down.</summary>
    private static IEnumerable<Type> Expand(Type type)
    {
        if (type.HasElementType && type.GetElementType() is { } element)
        {
            foreach (var t in Expand(element))
            {
                yield return t;
            }

            yield break;
        }

        yield return type;
        if (type.IsGenericType)
        {
            foreach (var t in type.GetGenericArguments().SelectMany(Expand))
            {
                yield return t;
            }
        }
    }

    private static IEnumerable<Type> BodyTypes(MethodBase method)
    {
        byte[]? il;
        try
        {
            il = method.GetMethodBody()?.GetILAsByteArray();
        }
        catch (Exception e) when (e is InvalidOperationException or NotSupportedException)
        {
            yield break;
        }

        if (il is null)
        {
            yield break;
        }

        var typeArgs = method.DeclaringType is { IsGenericType: true } d ? d.GetGenericArguments() : null;
        var methodArgs = method.IsGenericMethod ? method.GetGenericArguments() : null;
        var i = 0;
        while (i < il.Length)
        {
            short value = il[i] == 0xFE && i + 1 < il.Length ? (short)(0xFE00 | il[i + 1]) : il[i];
            if (!_opCodes.TryGetValue(value, out var op))
            {
                yield break; // not an opcode we know: stop rather than misread the rest
            }

            i += op.Size;
            var operand = op.OperandType switch
            {
                OperandType.InlineNone => 0,
                OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                OperandType.InlineVar => 2,
                OperandType.InlineI8 or OperandType.InlineR => 8,
                OperandType.InlineSwitch => 4 + (4 * BitConverter.ToInt32(il, i)),
                _ => 4,
            };
            if (op.OperandType is OperandType.InlineMethod or OperandType.InlineField or OperandType.InlineType or OperandType.InlineTok)
            {
                var token = BitConverter.ToInt32(il, i);
                Type? found = null;
                try
                {
                    found = method.Module.ResolveMember(token, typeArgs, methodArgs) switch
                    {
                        Type t => t,
                        MemberInfo member => member.DeclaringType,
                        _ => null,
                    };
                }
                catch (Exception e) when (e is ArgumentException or BadImageFormatException or TypeLoadException)
                {
                }

                if (found is not null)
                {
                    yield return found;
                }
            }

            i += operand;
        }
    }
}
