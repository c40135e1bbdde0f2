using System.Buffers;
using Microsoft.Win32.SafeHandles;
using Renci.SshNet;
using Renci.SshNet.Common;
using Renci.SshNet.Sftp;

namespace Kdumpd.Core.Egress;

/// <summary>
/// Ships files to an SSH host over SFTP with SSH.NET: the host key must be the pinned one, the
/// file is written as &lt;name&gt;.part from the offset the host already holds (journaled after
/// each chunk it acknowledged), hashed by the host itself (<see cref="RemoteDigest"/>, or read
/// back where the host refuses exec), and only then renamed into place, so a complete name on the
/// host always means a verified copy.
/// </summary>
public sealed class SftpUploader : IEgressUploader
{
    public const string PartSuffix = ".part";

    /// <summary>Payload of one SSH_FXP_WRITE; SSH.NET caps it at the channel's packet size.</summary>
    private const int WriteBytes = 64 << 10;

    /// <summary>Handles writing slices of a part at once: the writes in flight, as OpenSSH's sftp keeps 64.</summary>
    private const int WritersInFlight = 64;

    /// <summary>Local read size per writer (and the slice granularity).</summary>
    private const int ChunkBytes = 256 << 10;

    /// <summary>Files up to this size are verified by reading them back rather than by a command on the host.</summary>
    private const long ReadBackBytes = 1 << 20;

    private readonly SftpTarget _target;
    private SftpClient? _client;
    private SshClient? _shell;
    private bool _execRefused;

    public SftpUploader(SftpTarget target)
    {
        ArgumentNullException.ThrowIfNull(target);
        _target = target;
    }

    public EgressTarget Target => _target;

    public async Task UploadAsync(EgressFile file, string path, EgressFileJournal journal, EgressTransfer transfer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(journal);
        ArgumentNullException.ThrowIfNull(transfer);
        var client = await ConnectAsync(cancellationToken);
        var remote = _target.PathOf(path);
        var partial = remote + PartSuffix;
        try
        {
            if (await ExistsWithSizeAsync(client, remote, file.Size, cancellationToken))
            {
                // Renamed into place means verified once; prove it again rather than resend.
                await VerifyAsync(client, remote, file, journal, cancellationToken);
                return;
            }

            await CreateDirectoriesAsync(client, remote[..remote.LastIndexOf('/')], cancellationToken);
            await WriteFromAsync(client, partial, file, journal, transfer, cancellationToken);
            await VerifyAsync(client, partial, file, journal, cancellationToken);
            if (client.Exists(remote))
            {
                await client.DeleteFileAsync(remote, cancellationToken);
            }

            await client.RenameFileAsync(partial, remote, cancellationToken);
        }
        catch (SftpPermissionDeniedException e)
        {
            throw new EgressException(_target.Name, EgressFailure.Refused, $"{Where(partial)}: permission denied ({e.Message})", e);
        }
        catch (SftpPathNotFoundException e)
        {
            throw new EgressException(_target.Name, EgressFailure.Refused, $"{Where(partial)}: no such path ({e.Message})", e);
        }
        catch (SftpException e)
        {
            // OpenSSH's sftp-server answers SSH_FX_FAILURE ("Failure") for ENOSPC and EDQUOT.
            throw new EgressException(_target.Name, EgressFailure.Refused, $"{Where(partial)}: the host refused the write ({e.Message}): is its filesystem full or read-only?", e);
        }
        catch (SshConnectionException) when (_client is not null)
        {
            Disconnect();
            throw;
        }
    }

    public ValueTask DisposeAsync()
    {
        Disconnect();
        return ValueTask.CompletedTask;
    }

    private async Task WriteFromAsync(SftpClient client, string partial, EgressFile file, EgressFileJournal journal, EgressTransfer transfer, CancellationToken cancellationToken)
    {
        var held = client.Exists(partial) ? client.GetAttributes(partial).Size : 0;
        // Resume from what both sides agree on: the host's bytes beyond the last journaled
        // acknowledgement may be a torn write; verification catches anything else.
        var offset = Math.Min(held, journal.BytesDone);
        transfer.Acknowledged(offset);
        if (offset == 0)
        {
            await WriteWholeAsync(client, partial, file, journal, transfer, cancellationToken);
            return;
        }

        await using (var first = await client.OpenAsync(partial, offset == 0 ? FileMode.Create : FileMode.Open, FileAccess.Write, cancellationToken))
        {
            if (held != offset)
            {
                first.SetLength(offset);
            }
        }

        // Resuming mid-file: SSH.NET's only pipelined write (UploadFile) starts at offset 0, and its
        // stream awaits each SSH_FXP_WRITE before the next, one round trip per 32 KiB: several
        // handles on the file, each writing its slice of the part, keep the pipe full (at about
        // twice the CPU per byte of UploadFile, see docs/egress.md; resuming is the rare case).
        var writers = new List<SftpFileStream>();
        try
        {
            var count = (int)Math.Clamp((file.Size - offset + ChunkBytes - 1) / ChunkBytes, 1, WritersInFlight);
            var opening = Enumerable.Range(0, count).Select(_ => client.OpenAsync(partial, FileMode.Open, FileAccess.Write, cancellationToken)).ToList();
            try
            {
                writers.AddRange(await Task.WhenAll(opening));
            }
            catch
            {
                writers.AddRange(opening.Where(t => t.IsCompletedSuccessfully).Select(t => t.Result));
                throw;
            }

            using var local = File.OpenHandle(file.LocalPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, FileOptions.Asynchronous);
            while (offset < file.Size)
            {
                // One part at a time: what a crash can make us send twice is at most this part.
                var length = Math.Min(_target.Limits.PartSizeBytes, file.Size - offset);
                var slice = ((length / writers.Count) + ChunkBytes - 1) / ChunkBytes * ChunkBytes;
                var start = offset;
                await Task.WhenAll(writers.Select((w, i) => WriteSliceAsync(w, local, start + (i * slice), Math.Clamp(length - (i * slice), 0, slice), transfer, cancellationToken)));
                offset += length;
                transfer.Acknowledged(length);
                journal.SetBytesDone(offset);
            }
        }
        finally
        {
            foreach (var w in writers)
            {
                await w.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// A fresh copy through SSH.NET's UploadFile: one loop sends SSH_FXP_WRITEs back to back and the
    /// host's answers come back on SSH.NET's receive thread, where <see cref="SftpAcknowledgements"/>
    /// journals them and holds the loop's reads back to half a part beyond them. SSH.NET's awaited
    /// per-write API instead costs about 2.5 times the CPU per byte (each write registers three
    /// wait handles and a timer): the bound on a loaded host (docs/egress.md, "Measured").
    /// </summary>
    private async Task WriteWholeAsync(SftpClient client, string partial, EgressFile file, EgressFileJournal journal, EgressTransfer transfer, CancellationToken cancellationToken)
    {
        using var local = File.OpenHandle(file.LocalPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, FileOptions.Asynchronous);
        using var acknowledgements = new SftpAcknowledgements(journal, transfer, _target.Limits.PartSizeBytes, () => client.IsConnected, client.OperationTimeout);
        await using var source = new FileSegmentStream(local, 0, file.Size, transfer, acknowledgements.WaitForRoomAsync);
        await client.UploadFileAsync(source, partial, canOverride: true, acknowledgements, cancellationToken);
        acknowledgements.Complete(file.Size);
    }

    /// <summary>Writes [offset, offset+length) of the local file through one handle; returns once the host acknowledged every write.</summary>
    private static async Task WriteSliceAsync(SftpFileStream remote, SafeFileHandle local, long offset, long length, EgressTransfer transfer, CancellationToken cancellationToken)
    {
        if (length <= 0)
        {
            return;
        }

        var buffer = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        try
        {
            remote.Seek(offset, SeekOrigin.Begin);
            for (long done = 0; done < length;)
            {
                var n = await RandomAccess.ReadAsync(local, buffer.AsMemory(0, (int)Math.Min(ChunkBytes, length - done)), offset + done, cancellationToken);
                if (n == 0)
                {
                    throw new IOException($"the local file ended at {offset + done}, before the {offset + length} bytes to send: it shrank");
                }

                await transfer.Limiter.WaitAsync(n, cancellationToken);
                await remote.WriteAsync(buffer.AsMemory(0, n), cancellationToken);
                transfer.Sent(n);
                done += n;
            }

            await remote.FlushAsync(cancellationToken);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task VerifyAsync(SftpClient client, string remote, EgressFile file, EgressFileJournal journal, CancellationToken cancellationToken)
    {
        // The host hashes its own copy where it lets us run a command; a read-back costs the file
        // again over the network, so it is the fallback, and the way for small files: starting a
        // command costs a login shell on the host (about 150 ms measured here, rc files included),
        // reading back a few KiB one round trip.
        var digest = file.Size > ReadBackBytes ? await HostDigestAsync(client, remote, cancellationToken) : null;
        var copy = digest ?? await ReadBackAsync(client, remote, cancellationToken);
        try
        {
            ReadBack.Check(_target.Name, Where(remote), file, copy);
        }
        catch (EgressException)
        {
            journal.Reset();
            await client.DeleteFileAsync(remote, cancellationToken);
            throw;
        }

        journal.MarkVerified();
    }

    private async Task<(string, long)?> HostDigestAsync(SftpClient client, string remote, CancellationToken cancellationToken)
    {
        if (_execRefused)
        {
            return null;
        }

        if (_shell is not { IsConnected: true })
        {
            _shell?.Dispose();
            _shell = null;
            var shell = new SshClient(Connection());
            await ConnectAsync(shell, cancellationToken);
            _shell = shell;
        }

        if (await RemoteDigest.Sha256Async(_shell, remote, cancellationToken) is { } sha)
        {
            return (sha, client.GetAttributes(remote).Size);
        }

        _execRefused = true;
        return null;
    }

    private static async Task<(string, long)> ReadBackAsync(SftpClient client, string remote, CancellationToken cancellationToken)
    {
        await using var stream = await client.OpenAsync(remote, FileMode.Open, FileAccess.Read, cancellationToken);
        return await ReadBack.HashAsync(stream, cancellationToken);
    }

    private async Task<SftpClient> ConnectAsync(CancellationToken cancellationToken)
    {
        if (_client is { IsConnected: true })
        {
            return _client;
        }

        Disconnect();
        var client = new SftpClient(Connection());
        client.OperationTimeout = TimeSpan.FromMinutes(2);
        client.BufferSize = WriteBytes;
        await ConnectAsync(client, cancellationToken);
        _client = client;
        return client;
    }

    private ConnectionInfo Connection()
    {
        var info = new ConnectionInfo(_target.Host, _target.Port, _target.User, new PrivateKeyAuthenticationMethod(_target.User, LoadKey()))
        {
            Timeout = TimeSpan.FromSeconds(30),
        };
        // AES-GCM runs on the CPU's AES instructions through the platform's crypto library and
        // needs no separate MAC; SSH.NET's own first choice (AES-CTR + HMAC) costs twice the CPU.
        Prefer(info.Encryptions, "aes128-gcm@openssh.com", "aes256-gcm@openssh.com");
        return info;
    }

    /// <summary>Moves the named algorithms to the front of SSH.NET's offer, in that order; the server picks the first it shares.</summary>
    private static void Prefer<T>(IDictionary<string, T> algorithms, params string[] first)
    {
        var offered = algorithms.ToList();
        algorithms.Clear();
        foreach (var (name, algorithm) in offered.Where(a => first.Contains(a.Key)).OrderBy(a => Array.IndexOf(first, a.Key)).Concat(offered.Where(a => !first.Contains(a.Key))))
        {
            algorithms.Add(name, algorithm);
        }
    }

    /// <summary>Connects a session that trusts only the pinned host key; disposes the client on failure.</summary>
    private async Task ConnectAsync(BaseClient client, CancellationToken cancellationToken)
    {
        string? presented = null;
        client.HostKeyReceived += (_, e) =>
        {
            presented = "SHA256:" + e.FingerPrintSHA256;
            e.CanTrust = string.Equals(presented, PinnedKey, StringComparison.Ordinal);
        };
        try
        {
            await client.ConnectAsync(cancellationToken);
        }
        catch (SshConnectionException e) when (presented is not null && presented != PinnedKey)
        {
            client.Dispose();
            throw new EgressException(_target.Name, EgressFailure.HostKeyMismatch,
                $"{_target.Host}:{_target.Port} presented host key {presented}, the configuration pins {PinnedKey}: refusing to connect (if the host was really re-keyed, pin its new key: ssh-keygen -lf its host key)", e);
        }
        catch (SshAuthenticationException e)
        {
            client.Dispose();
            throw new EgressException(_target.Name, EgressFailure.Authentication,
                $"{_target.User}@{_target.Host}:{_target.Port} refused the key {_target.PrivateKeyFile}: {e.Message}", e);
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>The pinned key as ssh-keygen -l prints it; a bare base64 fingerprint gets its prefix.</summary>
    private string PinnedKey => _target.HostKeySha256.StartsWith("SHA256:", StringComparison.Ordinal) ? _target.HostKeySha256.TrimEnd('=') : "SHA256:" + _target.HostKeySha256.TrimEnd('=');

    private PrivateKeyFile LoadKey()
    {
        try
        {
            return new PrivateKeyFile(_target.PrivateKeyFile);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or SshException)
        {
            throw new EgressException(_target.Name, EgressFailure.Authentication, $"cannot read the private key {_target.PrivateKeyFile}: {e.Message}", e);
        }
    }

    private static async Task<bool> ExistsWithSizeAsync(SftpClient client, string path, long size, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        await Task.CompletedTask;
        return client.Exists(path) && client.GetAttributes(path).Size == size;
    }

    private static async Task CreateDirectoriesAsync(SftpClient client, string directory, CancellationToken cancellationToken)
    {
        var path = "";
        foreach (var segment in directory.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            path += "/" + segment;
            if (!client.Exists(path))
            {
                await client.CreateDirectoryAsync(path, cancellationToken);
            }
        }
    }

    private string Where(string path) => $"sftp://{_target.User}@{_target.Host}:{_target.Port}{path}";

    private void Disconnect()
    {
        _client?.Dispose();
        _client = null;
        _shell?.Dispose();
        _shell = null;
    }
}
