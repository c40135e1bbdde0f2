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
/// so a restart sends only the missing ones; proven by reading the object back and hashing it
/// (S3's own checksums are per part or CRC-based, never the SHA-256 of the whole object).
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
                await VerifyAsync(key, file, journal, cancellationToken);
                return;
            }

            using var handle = OpenLocal(file);
            if (file.Size <= _target.Limits.PartSizeBytes)
            {
                await PutWholeAsync(handle, key, file, transfer, cancellationToken);
            }
            else
            {
                await PutMultipartAsync(handle, key, file, journal, transfer, cancellationToken);
            }

            await VerifyAsync(key, file, journal, cancellationToken);
        }
        catch (AmazonS3Exception e) when (Classify(e) is { } failure)
        {
            var what = failure == EgressFailure.Authentication
                ? $"the server refused the credentials of access key id {_target.Credentials.AccessKeyId} ({(int)e.StatusCode} {e.ErrorCode}): check the target's credentials file or environment"
                : $"{(int)e.StatusCode} {e.ErrorCode}: {e.Message}";
            throw new EgressException(_target.Name, failure, $"s3://{_target.Bucket}/{key}: {what}", e);
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

    private async Task PutWholeAsync(SafeFileHandle handle, string key, EgressFile file, EgressTransfer transfer, CancellationToken cancellationToken)
    {
        await using var body = new FileSegmentStream(handle, 0, file.Size, transfer);
        var request = new PutObjectRequest { BucketName = _target.Bucket, Key = key, InputStream = body, AutoCloseStream = false, ContentType = ContentTypeOf(file), UseChunkEncoding = false };
        request.Metadata.Add(Sha256MetadataKey, file.Sha256);
        await _client.PutObjectAsync(request, cancellationToken);
        transfer.Acknowledged(file.Size);
    }

    private async Task PutMultipartAsync(SafeFileHandle handle, string key, EgressFile file, EgressFileJournal journal, EgressTransfer transfer, CancellationToken cancellationToken)
    {
        var partSize = (long)_target.Limits.PartSizeBytes;
        var count = checked((int)((file.Size + partSize - 1) / partSize));
        if (journal.UploadId is null)
        {
            var request = new InitiateMultipartUploadRequest { BucketName = _target.Bucket, Key = key, ContentType = ContentTypeOf(file) };
            request.Metadata.Add(Sha256MetadataKey, file.Sha256);
            var started = await _client.InitiateMultipartUploadAsync(request, cancellationToken);
            journal.StartUpload(started.UploadId);
        }

        var uploadId = journal.UploadId!;
        var done = new System.Collections.Concurrent.ConcurrentDictionary<int, UploadedPart>(
            journal.Parts().Where(p => p.Number <= count && p.Size == PartLength(file.Size, partSize, p.Number)).Select(p => KeyValuePair.Create(p.Number, p)));
        transfer.Acknowledged(done.Values.Sum(p => p.Size));
        var missing = Enumerable.Range(1, count).Where(n => !done.ContainsKey(n)).ToList();
        try
        {
            await Parallel.ForEachAsync(missing, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, _target.Limits.Concurrency), CancellationToken = cancellationToken }, async (number, ct) =>
            {
                var offset = (number - 1) * partSize;
                var length = PartLength(file.Size, partSize, number);
                await using var body = new FileSegmentStream(handle, offset, length, transfer);
                var response = await _client.UploadPartAsync(new UploadPartRequest
                {
                    BucketName = _target.Bucket,
                    Key = key,
                    UploadId = uploadId,
                    PartNumber = number,
                    InputStream = body,
                    PartSize = length,
                    UseChunkEncoding = false,
                }, ct);
                var part = new UploadedPart(number, length, response.ETag);
                journal.AddPart(part);
                done[number] = part;
                transfer.Acknowledged(length);
            });

            await _client.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
            {
                BucketName = _target.Bucket,
                Key = key,
                UploadId = uploadId,
                PartETags = [.. done.Values.OrderBy(p => p.Number).Select(p => new PartETag(p.Number, p.ETag))],
            }, cancellationToken);
        }
        catch (AmazonS3Exception e) when (e.ErrorCode == "NoSuchUpload")
        {
            // The server forgot the upload (aborted, expired, wiped): start over with a new one.
            journal.Reset();
            throw new EgressException(_target.Name, EgressFailure.Transient, $"s3://{_target.Bucket}/{key}: multipart upload {uploadId} is gone from the server; starting a new one", e);
        }
    }

    private async Task VerifyAsync(string key, EgressFile file, EgressFileJournal journal, CancellationToken cancellationToken)
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
        catch (EgressException)
        {
            journal.Reset();
            await _client.DeleteObjectAsync(_target.Bucket, key, cancellationToken);
            throw;
        }

        journal.MarkVerified();
    }

    private static long PartLength(long size, long partSize, int number) => Math.Min(partSize, size - ((number - 1) * partSize));

    private static SafeFileHandle OpenLocal(EgressFile file) =>
        File.OpenHandle(file.LocalPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, FileOptions.Asynchronous);

    private static string ContentTypeOf(EgressFile file) =>
        file.Name.EndsWith(".json", StringComparison.Ordinal) ? "application/json"
        : file.Name.EndsWith(".txt", StringComparison.Ordinal) ? "text/plain; charset=utf-8"
        : "application/octet-stream";

    private static EgressFailure? Classify(AmazonS3Exception e) => e.ErrorCode switch
    {
        "NoSuchUpload" => null,
        "InvalidAccessKeyId" or "SignatureDoesNotMatch" or "ExpiredToken" or "InvalidToken" => EgressFailure.Authentication,
        "EntityTooLarge" or "QuotaExceeded" or "XMinioStorageFull" or "NoSuchBucket" or "AccessDenied" => EgressFailure.Refused,
        _ when e.StatusCode == HttpStatusCode.Forbidden => EgressFailure.Authentication,
        _ when TransientErrors.IsTransientStatus(e.StatusCode) || e.StatusCode == 0 => EgressFailure.Transient,
        _ => EgressFailure.Refused,
    };
}
