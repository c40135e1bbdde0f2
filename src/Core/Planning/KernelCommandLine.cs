namespace Kdumpd.Core.Planning;

/// <summary>
/// One parameter of a kernel command line as the kernel's next_arg() splits it: whitespace separates,
/// double quotes group (around the whole parameter or its value), and <see cref="Raw"/> keeps the exact text.
/// </summary>
public sealed record KernelParameter(string Raw, string Name, string? Value)
{
    /// <summary>The kernel treats '-' and '_' in parameter names as the same character.</summary>
    public static string NormalizeName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.Replace('-', '_');
    }

    public bool Is(string name) => NormalizeName(Name) == NormalizeName(name);
}

/// <summary>A parsed command line: parameters, then everything after a lone <c>--</c> (arguments for init).</summary>
public sealed record KernelCommandLine(IReadOnlyList<KernelParameter> Parameters, string? InitArguments)
{
    public static KernelCommandLine Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parameters = new List<KernelParameter>();
        var i = 0;
        while (true)
        {
            while (i < text.Length && char.IsWhiteSpace(text[i]))
            {
                i++;
            }

            if (i >= text.Length)
            {
                return new KernelCommandLine(parameters, null);
            }

            var start = i;
            var inQuote = false;
            while (i < text.Length && (inQuote || !char.IsWhiteSpace(text[i])))
            {
                if (text[i] == '"')
                {
                    inQuote = !inQuote;
                }

                i++;
            }

            var raw = text[start..i];
            if (raw == "--")
            {
                // The kernel hands everything after "--" to init untouched.
                var rest = text[i..].Trim();
                return new KernelCommandLine(parameters, rest);
            }

            parameters.Add(Split(raw));
        }
    }

    public string Format()
    {
        var line = string.Join(' ', Parameters.Select(p => p.Raw));
        return InitArguments is null ? line : line.Length == 0 ? $"-- {InitArguments}".TrimEnd() : $"{line} -- {InitArguments}".TrimEnd();
    }

    public override string ToString() => Format();

    private static KernelParameter Split(string raw)
    {
        var unquoted = raw.StartsWith('"') ? raw[1..] : raw;
        var equals = unquoted.IndexOf('=', StringComparison.Ordinal);
        if (equals < 0)
        {
            return new KernelParameter(raw, unquoted.TrimEnd('"'), null);
        }

        var value = unquoted[(equals + 1)..];
        if (value.StartsWith('"'))
        {
            value = value[1..];
        }

        if (value.EndsWith('"'))
        {
            value = value[..^1];
        }

        return new KernelParameter(raw, unquoted[..equals], value);
    }
}
