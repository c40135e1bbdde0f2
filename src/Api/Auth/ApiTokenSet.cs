namespace Kdumpd.Api.Auth;

/// <summary>
/// The tokens in force, replaced as a whole when the configuration is reloaded: a request is checked
/// against one set, and a token removed from the configuration fails from the next request on.
/// </summary>
public sealed class ApiTokenSet(IReadOnlyList<ApiToken> tokens)
{
    private IReadOnlyList<ApiToken> _current = [.. tokens];

    public IReadOnlyList<ApiToken> Current => Volatile.Read(ref _current);

    public void Replace(IReadOnlyList<ApiToken> tokens) => Volatile.Write(ref _current, [.. tokens]);
}
