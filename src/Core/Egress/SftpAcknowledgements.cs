using System.Runtime.ExceptionServices;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace Kdumpd.Core.Egress;

/// <summary>
/// The host's acknowledgements of a pipelined SFTP upload (SSH.NET reports the end offset of each
/// write the host answered), and the two bounds they set: the journal advances every half part
/// acknowledged, and the upload reads (so sends) at most half a part beyond what is acknowledged
/// (<see cref="WaitForRoomAsync"/>, the gate of its <see cref="FileSegmentStream"/>). What a crash
/// makes us send again, acknowledged but not journaled plus in flight, thus stays within one part,
/// whatever window the host grants. SSH.NET calls <see cref="Report"/> on its receive thread,
/// where an exception would tear the session down and hide the cause: a failure to journal is
/// kept, journaling stops, and the next gate or <see cref="Complete"/> throws it.
/// </summary>
public sealed class SftpAcknowledgements(EgressFileJournal journal, EgressTransfer transfer, long partBytes, Func<bool> connected, TimeSpan stallTimeout)
    : IProgress<UploadFileProgressReport>, IDisposable
{
    private static readonly TimeSpan _poll = TimeSpan.FromMilliseconds(100);
    private readonly long _step = Math.Max(1, partBytes / 2);
    private readonly SemaphoreSlim _advanced = new(0);
    private long _acknowledged;
    private long _journaled;
    private int _waiting;
    private Exception? _failure;

    public void Report(UploadFileProgressReport value)
    {
        // OpenSSH's sftp-server answers writes in the order they were sent, so an acknowledged end
        // offset means every byte before it is held. A server answering out of order could only
        // make the journal point past a hole: verification finds it and the copy is sent again.
        var acknowledged = (long)value.TotalBytesUploaded;
        if (acknowledged > Volatile.Read(ref _acknowledged))
        {
            Volatile.Write(ref _acknowledged, acknowledged);
            if (_failure is null && acknowledged - _journaled >= _step)
            {
                Journal(acknowledged);
            }
        }

        if (Interlocked.Exchange(ref _waiting, 0) == 1)
        {
            _advanced.Release();
        }
    }

    /// <summary>Waits until reading on from <paramref name="offset"/> keeps at most half a part unacknowledged.</summary>
    public async ValueTask WaitForRoomAsync(long offset, CancellationToken cancellationToken)
    {
        var stalled = TimeSpan.Zero;
        while (true)
        {
            if (_failure is not null)
            {
                ExceptionDispatchInfo.Throw(_failure);
            }

            Volatile.Write(ref _waiting, 1);
            if (offset - Volatile.Read(ref _acknowledged) <= _step)
            {
                return;
            }

            // SSH.NET's upload loop is inside this read: a lost connection must be seen here.
            if (!connected())
            {
                throw new SshConnectionException("the SSH connection was lost while writes were unacknowledged");
            }

            if (stalled >= stallTimeout)
            {
                throw new SshOperationTimeoutException($"the host acknowledged no write for {stallTimeout.TotalSeconds:F0} s (at {Volatile.Read(ref _acknowledged)} of {offset})");
            }

            stalled = await _advanced.WaitAsync(_poll, cancellationToken) ? TimeSpan.Zero : stalled + _poll;
        }
    }

    /// <summary>Called once the upload returned: every byte up to <paramref name="size"/> is acknowledged.</summary>
    public void Complete(long size)
    {
        if (_failure is null)
        {
            Journal(size);
        }

        if (_failure is not null)
        {
            ExceptionDispatchInfo.Throw(_failure);
        }
    }

    public void Dispose() => _advanced.Dispose();

    private void Journal(long acknowledged)
    {
        if (acknowledged <= _journaled)
        {
            return;
        }

        try
        {
            journal.SetBytesDone(acknowledged);
            transfer.Acknowledged(acknowledged - _journaled);
            _journaled = acknowledged;
        }
        catch (Exception e)
        {
            _failure = e;
        }
    }
}
