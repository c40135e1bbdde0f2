using System.Text.RegularExpressions;

namespace Kdumpd.Api.Downloads;

/// <summary>
/// Dump ids are opaque catalogue keys. Anything that could name a path (slashes, dots-only, NULs,
/// percent-encoded tricks decoded by routing) is rejected before the catalogue is even asked; the
/// file served always comes from the catalogue row, never from the request.
/// </summary>
public static partial class DumpId
{
    public static bool IsValid(string? id) => id is not null && Pattern().IsMatch(id) && !id.Contains("..", StringComparison.Ordinal);

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
