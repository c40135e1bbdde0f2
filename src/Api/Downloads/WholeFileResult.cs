using System.Buffers;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Kdumpd.Api.Downloads;

/// <summary>
/// A plain GET of a whole dump: positional reads in 1 MiB blocks written to Kestrel's response pipe.
/// Kestrel's own file path copies through a 64 KiB stream buffer, which made multi-GiB downloads on
/// loopback 0.66x nginx's sendfile; memory stays one pooled block per request.
/// </summary>
public sealed class WholeFileResult(string path, string contentType, string downloadName, EntityTagHeaderValue etag, DateTimeOffset lastModified) : IResult
{
    public const int BlockBytes = 1 << 20;

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.SequentialScan);
        var length = RandomAccess.GetLength(handle);
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = contentType;
        response.ContentLength = length;
        var headers = response.GetTypedHeaders();
        headers.ETag = etag;
        headers.LastModified = lastModified;
        response.Headers.AcceptRanges = "bytes";
        response.Headers.ContentDisposition = new ContentDispositionHeaderValue("attachment") { FileNameStar = downloadName }.ToString();
        if (HttpMethods.IsHead(httpContext.Request.Method))
        {
            return;
        }

        // One pooled block per request: asking the response pipe for 1 MiB directly would allocate
        // a fresh large-object buffer per block and grow the heap with every download.
        var block = ArrayPool<byte>.Shared.Rent(BlockBytes);
        try
        {
            var cancellation = httpContext.RequestAborted;
            for (long offset = 0; offset < length;)
            {
                var read = await RandomAccess.ReadAsync(handle, block.AsMemory(0, (int)Math.Min(BlockBytes, length - offset)), offset, cancellation);
                if (read == 0)
                {
                    break; // truncated under us: the client sees a short body against Content-Length
                }

                offset += read;
                var flush = await response.BodyWriter.WriteAsync(block.AsMemory(0, read), cancellation);
                if (flush.IsCanceled || flush.IsCompleted)
                {
                    return;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(block);
        }
    }
}
