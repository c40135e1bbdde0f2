namespace Kdumpd.Api.Auth;

/// <summary>
/// What a token may do. <c>download</c> and <c>operate</c> each include <c>read</c> (you list before you
/// fetch or act), but neither includes the other: fetching a vmcore (all of a kernel's memory, keys
/// included) and changing the host's kdump state are separate grants.
/// </summary>
public enum ApiRole
{
    Read,
    Download,
    Operate,
}

public static class ApiRoles
{
    public const string Read = "read";
    public const string Download = "download";
    public const string Operate = "operate";

    public static bool TryParse(string? text, out ApiRole role)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case Read:
                role = ApiRole.Read;
                return true;
            case Download:
                role = ApiRole.Download;
                return true;
            case Operate:
                role = ApiRole.Operate;
                return true;
            default:
                role = default;
                return false;
        }
    }

    public static string Name(this ApiRole role) => role switch
    {
        ApiRole.Read => Read,
        ApiRole.Download => Download,
        ApiRole.Operate => Operate,
        _ => throw new ArgumentOutOfRangeException(nameof(role)),
    };

    /// <summary>The roles a token of <paramref name="role"/> holds, its implied <c>read</c> included.</summary>
    public static IReadOnlyList<string> Granted(ApiRole role) => role switch
    {
        ApiRole.Read => [Read],
        ApiRole.Download => [Download, Read],
        ApiRole.Operate => [Operate, Read],
        _ => throw new ArgumentOutOfRangeException(nameof(role)),
    };
}
