using System.Diagnostics;

namespace Kdumpd.Core.Tests.Egress;

/// <summary>
/// OpenSSH's sshd from Debian's package on a loopback port with its own configuration, host key
/// and authorized key in a temp dir (not the system service), serving SFTP (internal-sftp).
/// Needs root (sshd's privilege separation) and /usr/sbin/sshd: <see cref="SkipReason"/> says why not.
/// </summary>
internal sealed class SshdServer : LoopbackServer
{
    public const string Sshd = "/usr/sbin/sshd";

    /// <param name="sftpOnly">ForceCommand internal-sftp: the host runs no shell command (exec refused).</param>
    public SshdServer(bool sftpOnly = false)
        : base("sshd")
    {
        Run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", HostKeyPath);
        Run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", ClientKeyPath);
        File.Copy(ClientKeyPath + ".pub", Path.Join(Root, "authorized_keys"));
        HostKeySha256 = Fingerprint(HostKeyPath + ".pub");
        Directory.CreateDirectory(UploadRoot);
        File.WriteAllText(Path.Join(Root, "sshd_config"), $"""
            Port {Port}
            ListenAddress 127.0.0.1
            HostKey {HostKeyPath}
            PidFile {Path.Join(Root, "sshd.pid")}
            AuthorizedKeysFile {Path.Join(Root, "authorized_keys")}
            PubkeyAuthentication yes
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            PermitRootLogin prohibit-password
            UsePAM no
            StrictModes no
            Subsystem sftp internal-sftp
            LogLevel ERROR
            {(sftpOnly ? "ForceCommand internal-sftp" : "")}
            """);
        Directory.CreateDirectory("/run/sshd");
    }

    public static string? SkipReason =>
        !File.Exists(Sshd) ? $"{Sshd} is not installed (deploy/install-deps.sh installs openssh-server)"
        : Environment.UserName != "root" ? "sshd needs root for its privilege separation; run the egress tests as root"
        : null;

    public string HostKeyPath => Path.Join(Root, "host_ed25519");

    public string ClientKeyPath => Path.Join(Root, "client_ed25519");

    public string HostKeySha256 { get; }

    public string UploadRoot => Path.Join(Root, "uploads");

    public static string Fingerprint(string publicKey) =>
        Run("ssh-keygen", "-l", "-E", "sha256", "-f", publicKey).Split(' ')[1];

    protected override ProcessStartInfo StartInfo()
    {
        var info = new ProcessStartInfo(Sshd);
        foreach (var a in new[] { "-D", "-e", "-f", Path.Join(Root, "sshd_config") })
        {
            info.ArgumentList.Add(a);
        }

        return info;
    }
}
