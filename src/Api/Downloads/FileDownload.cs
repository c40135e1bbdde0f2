using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Kdumpd.Api.Downloads;

/// <summary>
/// Serves a catalogued file straight from disk: Kestrel's file path (sendfile) keeps memory constant
/// whatever the dump's size; single byte ranges, If-None-Match/If-Range and Content-Length come from
/// ASP.NET Core's range processing. A request for several ranges gets the whole representation with
/// 200, which RFC 9110 §14.2 allows, rather than a multipart body no dump tool asks for.
/// </summary>
public static class FileDownload
{
    public static IResult Serve(HttpContext context, string path, string contentType, string downloadName, string? sha256Hex)
    {
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            return Results.Problem(
                title: "file is gone",
                detail: $"the catalogue lists {downloadName} but it is no longer on disk; run a rescan",
                statusCode: StatusCodes.Status410Gone);
        }

        var etag = EntityTagFor(info);
        if (sha256Hex is { Length: 64 })
        {
            var b64 = Convert.ToBase64String(Convert.FromHexString(sha256Hex));
            context.Response.Headers["Repr-Digest"] = $"sha-256=:{b64}:";
            context.Response.Headers["Digest"] = $"SHA-256={b64}";
        }

        context.Response.Headers.CacheControl = "private, no-transform";
        var request = context.Request.Headers;
        if (request.Range.Count == 0 && request.IfNoneMatch.Count == 0 && request.IfModifiedSince.Count == 0
            && request.IfMatch.Count == 0 && request.IfUnmodifiedSince.Count == 0)
        {
            return new WholeFileResult(path, contentType, downloadName, etag, info.LastWriteTimeUtc);
        }

        return Results.File(
            path,
            contentType,
            fileDownloadName: downloadName,
            lastModified: info.LastWriteTimeUtc,
            entityTag: etag,
            enableRangeProcessing: true);
    }

    /// <summary>Strong tag from size and mtime: stable for the file as long as its bytes are.</summary>
    public static EntityTagHeaderValue EntityTagFor(FileInfo info) =>
        new($"\"{info.Length.ToString("x", CultureInfo.InvariantCulture)}-{info.LastWriteTimeUtc.Ticks.ToString("x", CultureInfo.InvariantCulture)}\"");
}
