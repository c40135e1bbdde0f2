using System.Net;
using Amazon;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Win32.SafeHandles;

namespace Kdumpd.Core.Egress;

/// <summary>
/// Ships files to an S3-compatible bucket with AWSSDK.S3 (SigV4, path-style for on-premises
/// servers): multipart above one part, parts in flight bounded, each acknowledged part journaled
/// so a restart sends only the missing ones; proven by the digests the server answers with
/// (<see cref="S3Proof"/>: checksums where it keeps them, else ETags), the object read back only
/// where those prove nothing. Every part carries Content-MD5 and x-amz-checksum-sha256, so a
/// server that checks them refuses a part damaged on the way.
/// The SDK's own retries are off: <see cref="TransientErrors"/> and Polly decide, one rule.
/// </summary>
public sealed class S3Uploader : IEgressUploader
{
    public const string Sha256MetadataKey = "sha256";

    private readonly S3Target _target;
    private readonly AmazonS3Client _client;

    public S3Uploader(S3Target target)
    {
        ArgumentNullException.ThrowIfNull(target);
        _target = target;
        var config = new AmazonS3Config
        {
            ForcePathStyle = target.PathStyle,
            MaxErrorRetry = 0,
            Timeout = TimeSpan.FromMinutes(5),
            // Flexible checksums would stream aws-chunked bodies with trailers, which older
            // S3-compatible servers store verbatim; kdumpd verifies the whole object itself.
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        };
        if (target.Endpoint is { } endpoint)
        {
            config.ServiceURL = endpoint.ToString();
            config.AuthenticationRegion = target.Region;
        }
        else
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(target.Region);
        }

        _client = new AmazonS3Client(new BasicAWSCredentials(target.Credentials.AccessKeyId, target.Credentials.SecretAccessKey), config);
    }

    public EgressTarget Target => _target;

    public async Task UploadAsync(EgressFile file, string path, EgressFileJournal journal, EgressTransfer transfer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(journal);
        ArgumentNullException.ThrowIfNull(transfer);
        var key = _target.KeyOf(path);
        try
        {
            if (journal.UploadId is null && await HoldsAsync(key, file, cancellationToken))
            {
                // The bucket already has an object that claims this content (a rebuilt catalogue,
                // an interrupted verification): prove it instead of sending it again.
                await ReadBackAsync(key, file, journal, cancellationToken);
                return;
            }

            using var handle = OpenLocal(file);
            // The whole file is hashed once more while its parts go out: it links the parts'
            // digests (what the server proves) to the SHA-256 kdumpd catalogued.
            using var hashing = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var whole = Task.Run(() => PartDigest.OfAsync(handle, 0, 0, file.Size, hashing.Token), hashing.Token);
            try
            {
                var (etag, checksum, parts) = file.Size <= _target.Limits.PartSizeBytes
                    ? await PutWholeAsync(handle, key, file, transfer, cancellationToken)
                    : await PutMultipartAsync(handle, key, file, journal, transfer, cancellationToken);
                await VerifyAsync(key, file, journal, await whole, etag, checksum, parts, cancellationToken);
            }
            finally
            {
                // Never leave the hash reading a handle about to be closed.
                await hashing.CancelAsync();
                await whole.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
        }
        catch (AmazonS3Exception e) when (Classify(e) is { } failure)
        {
            var what = failure == EgressFailure.Authentication
                ? $"the server refused the credentials of access key id {_target.Credentials.AccessKeyId} ({(int)e.StatusCode} {e.ErrorCode}): check the target's credentials file or environment"
                : IsFull(e) ? $"the server is out of space or over quota ({(int)e.StatusCode} {e.ErrorCode}: {e.Message}); nothing local was deleted"
                : $"{(int)e.StatusCode} {e.ErrorCode}: {e.Message}";
            throw new EgressException(_target.Name, failure, $"s3://{_target.Bucket}/{key}: {what}", e);
        }
        catch (HttpRequestException e)
        {
            // The server went away (stopped, crashed, unreachable): retried, and the reason says where.
            throw new EgressException(_target.Name, EgressFailure.Transient, $"s3://{_target.Bucket}/{key} at {_target.Endpoint?.ToString() ?? _target.Region}: {e.Message}", e);
        }
    }

    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task<bool> HoldsAsync(string key, EgressFile file, CancellationToken cancellationToken)
    {
        try
        {
            var head = await _client.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = _target.Bucket, Key = key }, cancellationToken);
            return head.ContentLength == file.Size && string.Equals(head.Metadata[Sha256MetadataKey], file.Sha256, StringComparison.OrdinalIgnoreCase);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    private async Task<(string? ETag, string? Checksum, PartDigest[] Parts)> PutWholeAsync(SafeFileHandle handle, string key, EgressFile file, EgressTransfer transfer, CancellationToken cancellationToken)
    {
        var digest = await PartDigest.OfAsync(handle, 1, 0, file.Size, cancellationToken);
        await using var body = new FileSegmentStream(handle, 0, file.Size, transfer);
        var request = new PutObjectRequest
        {
            BucketName = _target.Bucket,
            Key = key,
            InputStream = body,
            AutoCloseStream = false,
            ContentType = ContentTypeOf(file),
            UseChunkEncoding = false,
            MD5Digest = Convert.ToBase64String(digest.Md5),
            ChecksumSHA256 = Convert.ToBase64String(digest.Sha256),
        };
        request.Metadata.Add(Sha256MetadataKey, file.Sha256);
        SignWith(request, digest);
        var response = await _client.PutObjectAsync(request, cancellationToken);
        transfer.Acknowledged(file.Size);
        return (response.ETag, response.ChecksumSHA256, [digest]);
    }

    private async Task<(string? ETag, string? Checksum, PartDigest[] Parts)> PutMultipartAsync(SafeFileHandle handle, string key, EgressFile file, EgressFileJournal journal, EgressTransfer transfer, CancellationToken cancellationToken)
    {
        var partSize = (long)_target.Limits.PartSizeBytes;
        var count = checked((int)((file.Size + partSize - 1) / partSize));
        if (journal.UploadId is null)
        {
            var request = new InitiateMultipartUploadRequest { BucketName = _target.Bucket, Key = key, ContentType = ContentTypeOf(file), ChecksumAlgorithm = ChecksumAlgorithm.SHA256 };
            request.Metadata.Add(Sha256MetadataKey, file.Sha256);
            var started = await _client.InitiateMultipartUploadAsync(request, cancellationToken);
            journal.StartUpload(started.UploadId);
        }

        var uploadId = journal.UploadId!;
        var held = journal.Parts().ToDictionary(p => p.Number);
        var digests = new PartDigest[count];
        try
        {
            // Parts are hashed by the worker that sends them, so hashing overlaps sending; a part
            // the journal holds is hashed only, and sent again if the server's ETag disagrees.
            await Parallel.ForEachAsync(Enumerable.Range(1, count), new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, _target.Limits.Concurrency), CancellationToken = cancellationToken }, async (number, ct) =>
            {
                var offset = (number - 1) * partSize;
                var length = PartLength(file.Size, partSize, number);
                var digest = digests[number - 1] = await PartDigest.OfAsync(handle, number, offset, length, ct);
                if (held.TryGetValue(number, out var part) && part.Size == length && !S3Proof.Contradicts(part.ETag, null, digest))
                {
                    transfer.Acknowledged(length);
                    return;
                }

                await using var body = new FileSegmentStream(handle, offset, length, transfer);
                var request = new UploadPartRequest
                {
                    BucketName = _target.Bucket,
                    Key = key,
                    UploadId = uploadId,
                    PartNumber = number,
                    InputStream = body,
                    PartSize = length,
                    UseChunkEncoding = false,
                    MD5Digest = Convert.ToBase64String(digest.Md5),
                    ChecksumSHA256 = Convert.ToBase64String(digest.Sha256),
                };
                SignWith(request, digest);
                var response = await _client.UploadPartAsync(request, ct);
                if (S3Proof.Contradicts(response.ETag, response.ChecksumSHA256, digest))
                {
                    throw new EgressException(_target.Name, EgressFailure.VerificationMismatch,
                        $"s3://{_target.Bucket}/{key}: part {number} ({offset}+{length}) came back as ETag {response.ETag} / SHA-256 {response.ChecksumSHA256}, kdumpd sent MD5 {digest.Md5Hex}: sending it again");
                }

                journal.AddPart(new UploadedPart(number, length, response.ETag));
                transfer.Acknowledged(length);
            });

            var completed = await _client.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
            {
                BucketName = _target.Bucket,
                Key = key,
                UploadId = uploadId,
                PartETags = [.. journal.Parts().Where(p => p.Number <= count).OrderBy(p => p.Number).Select(p => new PartETag(p.Number, p.ETag) { ChecksumSHA256 = Convert.ToBase64String(digests[p.Number - 1].Sha256) })],
            }, cancellationToken);
            return (completed.ETag, completed.ChecksumSHA256, digests);
        }
        catch (AmazonS3Exception e) when (e.ErrorCode == "NoSuchUpload")
        {
            // The server forgot the upload (aborted, expired, wiped): start over with a new one.
            journal.Reset();
            throw new EgressException(_target.Name, EgressFailure.Transient, $"s3://{_target.Bucket}/{key}: multipart upload {uploadId} is gone from the server; starting a new one", e);
        }
    }

    /// <summary>
    /// Proves the object from the digests the server answered with (see <see cref="S3Proof"/>) and
    /// the local file against its catalogued SHA-256; reads the object back only where the server's
    /// answer proves nothing.
    /// </summary>
    private async Task VerifyAsync(string key, EgressFile file, EgressFileJournal journal, PartDigest whole, string? etag, string? checksum, PartDigest[] parts, CancellationToken cancellationToken)
    {
        if (whole.Sha256Hex != file.Sha256 || whole.Length != file.Size)
        {
            throw new EgressException(_target.Name, EgressFailure.LocalFile,
                $"{file.LocalPath} now hashes to {whole.Sha256Hex}, not the SHA-256 {file.Sha256} kdumpd catalogued: the local copy changed; not counting s3://{_target.Bucket}/{key} as verified");
        }

        switch (S3Proof.Holds(etag, checksum, parts, whole))
        {
            case true:
                journal.MarkVerified();
                return;
            case false:
                await RejectAsync(key, journal,
                    $"s3://{_target.Bucket}/{key} answers ETag {etag}{(checksum is null ? "" : $" / SHA-256 {checksum}")}, which is not the digest of kdumpd's {file.Name} ({file.Size} bytes, SHA-256 {file.Sha256}): sending it again", null, cancellationToken);
                return;
            default:
                await ReadBackAsync(key, file, journal, cancellationToken);
                return;
        }
    }

    private async Task ReadBackAsync(string key, EgressFile file, EgressFileJournal journal, CancellationToken cancellationToken)
    {
        (string, long) copy;
        using (var response = await _client.GetObjectAsync(new GetObjectRequest { BucketName = _target.Bucket, Key = key }, cancellationToken))
        {
            copy = await ReadBack.HashAsync(response.ResponseStream, cancellationToken);
        }

        try
        {
            ReadBack.Check(_target.Name, $"s3://{_target.Bucket}/{key}", file, copy);
        }
        catch (EgressException e)
        {
            await RejectAsync(key, journal, null, e, cancellationToken);
        }

        journal.MarkVerified();
    }

    /// <summary>Forgets the wrong copy, on the server and in the journal, so the retry sends it whole.</summary>
    private async Task RejectAsync(string key, EgressFileJournal journal, string? why, EgressException? mismatch, CancellationToken cancellationToken)
    {
        journal.Reset();
        await _client.DeleteObjectAsync(_target.Bucket, key, cancellationToken);
        throw mismatch ?? new EgressException(_target.Name, EgressFailure.VerificationMismatch, why!);
    }

    /// <summary>
    /// Gives SigV4 the payload hash kdumpd already has: without it the client reads the whole
    /// part once more to hash it before sending it.
    /// </summary>
    private static void SignWith(AmazonWebServiceRequest request, PartDigest digest) =>
        ((Amazon.Runtime.Internal.IAmazonWebServiceRequest)request).AddBeforeRequestHandler((_, e) =>
        {
            if (e is WebServiceRequestEventArgs args)
            {
                args.Headers["X-Amz-Content-SHA256"] = digest.Sha256Hex;
            }
        });

    private static long PartLength(long size, long partSize, int number) => Math.Min(partSize, size - ((number - 1) * partSize));

    private static SafeFileHandle OpenLocal(EgressFile file) =>
        File.OpenHandle(file.LocalPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, FileOptions.Asynchronous);

    private static string ContentTypeOf(EgressFile file) =>
        file.Name.EndsWith(".json", StringComparison.Ordinal) ? "application/json"
        : file.Name.EndsWith(".txt", StringComparison.Ordinal) ? "text/plain; charset=utf-8"
        : "application/octet-stream";

    /// <summary>How an S3 error answer counts (null: the multipart upload is gone, start a new one); internal for its tests.</summary>
    internal static EgressFailure? Classify(AmazonS3Exception e) => e.ErrorCode switch
    {
        "NoSuchUpload" => null,
        "InvalidAccessKeyId" or "SignatureDoesNotMatch" or "ExpiredToken" or "InvalidToken" => EgressFailure.Authentication,
        "EntityTooLarge" or "NoSuchBucket" or "AccessDenied" => EgressFailure.Refused,
        _ when IsFull(e) => EgressFailure.Refused,
        _ when e.StatusCode == HttpStatusCode.Forbidden => EgressFailure.Authentication,
        _ when TransientErrors.IsTransientStatus(e.StatusCode) || e.StatusCode == 0 => EgressFailure.Transient,
        _ => EgressFailure.Refused,
    };

    /// <summary>A full or over-quota target: 507 (Ceph RGW, SeaweedFS), MinIO's and RGW's codes.</summary>
    private static bool IsFull(AmazonS3Exception e) =>
        e.StatusCode == HttpStatusCode.InsufficientStorage || e.ErrorCode is "QuotaExceeded" or "XMinioStorageFull" or "InsufficientStorage" or "XMinioAdminBucketQuotaExceeded";
}
