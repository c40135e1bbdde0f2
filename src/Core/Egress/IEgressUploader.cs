namespace Kdumpd.Core.Egress;

/// <summary>
/// The seam between shipping a dump and a kind of target. An uploader sends one file to a
/// target-relative path, resuming from its journal without resending what the
/// target acknowledged, and returns only once the target's copy is proven to hash to
/// <see cref="EgressFile.Sha256"/> (a checksum the target keeps, or a read-back).
/// </summary>
public interface IEgressUploader : IAsyncDisposable
{
    EgressTarget Target { get; }

    Task UploadAsync(EgressFile file, string path, EgressFileJournal journal, EgressTransfer transfer, CancellationToken cancellationToken);
}
