using Kdumpd.Core.Dumps;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Kdumpd.Api.Downloads;

/// <summary>
/// A plain GET of a whole dump, from the handle that was checked (<see cref="ConfinedFile"/>): read with positional reads in 1 MiB blocks straight into Kestrel's
/// response pipe. Kestrel's own file path copies through a 64 KiB stream buffer, which halves the
/// throughput of multi-GiB downloads on loopback; memory stays one block per request.
/// </summary>
public sealed class WholeFileResult(ConfinedFile file, string contentType, string downloadName, EntityTagHeaderValue etag, DateTimeOffset lastModified) : IResult
{
    public const int BlockBytes = 1 << 20;

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        using var checkedFile = file;
        var handle = file.Handle;
        var length = file.Length;
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

        var writer = response.BodyWriter;
        var cancellation = httpContext.RequestAborted;
        for (long offset = 0; offset < length;)
        {
            var block = writer.GetMemory(BlockBytes);
            var read = await RandomAccess.ReadAsync(handle, block[..(int)Math.Min(block.Length, length - offset)], offset, cancellation);
            if (read == 0)
            {
                break; // truncated under us: the client sees a short body against Content-Length
            }

            writer.Advance(read);
            offset += read;
            var flush = await writer.FlushAsync(cancellation);
            if (flush.IsCanceled || flush.IsCompleted)
            {
                return;
            }
        }
    }
}
