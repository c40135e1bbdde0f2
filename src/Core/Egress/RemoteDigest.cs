using System.Text;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace Kdumpd.Core.Egress;

/// <summary>
/// The SSH host's own SHA-256 of a file it holds, from `openssl dgst` (else `sha256sum`) run over an exec channel of a
/// session on the same pinned host key: the proof without reading the copy back over the
/// network. Null when the host will not tell (exec refused, a ForceCommand internal-sftp
/// account, a chroot where the SFTP path is not the shell's, neither tool): the caller reads back.
/// </summary>
public static class RemoteDigest
{
    public static async Task<string?> Sha256Async(SshClient client, string path, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        try
        {
            // OpenSSL's SHA-256 uses the CPU's SHA instructions, coreutils' sha256sum (Debian 12's) does
            // not: five times the CPU on the host. Both print "<hex> *<path>".
            using var command = client.CreateCommand($"{{ openssl dgst -sha256 -r {Quote(path)} || sha256sum -b -- {Quote(path)}; }} 2>/dev/null");
            command.CommandTimeout = TimeSpan.FromMinutes(30);
            await command.ExecuteAsync(cancellationToken);
            return command.ExitStatus == 0 ? Parse(command.Result) : null;
        }
        catch (SshException)
        {
            // The channel or the exec request was refused: the host serves SFTP only.
            return null;
        }
    }

    /// <summary>The digest of the tool's one line ("&lt;64 hex&gt; *path"), or null if it is not one.</summary>
    public static string? Parse(string output)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (output.Length < 64)
        {
            return null;
        }

        var hex = output[..64];
        return hex.All(char.IsAsciiHexDigit) && (output.Length == 64 || output[64] == ' ') ? hex.ToLowerInvariant() : null;
    }

    /// <summary>A POSIX shell single-quoted word: nothing in a path is interpreted.</summary>
    public static string Quote(string word)
    {
        ArgumentNullException.ThrowIfNull(word);
        var quoted = new StringBuilder("'");
        foreach (var c in word)
        {
            quoted.Append(c == '\'' ? "'\\''" : c.ToString());
        }

        return quoted.Append('\'').ToString();
    }
}
