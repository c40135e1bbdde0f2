using System.Globalization;
using Kdumpd.Api.Contracts;
using Kdumpd.Core.Dumps;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Kdumpd.Api.Downloads;

/// <summary>
/// Serves a catalogued file from the handle that was checked: the file is opened beneath the dump
/// directory as a regular file (<see cref="ConfinedFile"/>: never a link out of it, never a FIFO or a
/// device), and every byte, range or whole, comes from that open file. Single byte ranges,
/// If-None-Match/If-Range and Content-Length come from ASP.NET Core's range processing; the ETag is the
/// file's identity (device, inode, size, mtime), so a replaced target never answers 304. A request for
/// several ranges gets the whole representation with 200, which RFC 9110 §14.2 allows.
/// </summary>
public static class FileDownload
{
    public static IResult Serve(HttpContext context, DumpFile file)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(file);
        ConfinedFile opened;
        try
        {
            opened = ConfinedFile.Open(file.Root, file.Path);
        }
        catch (ConfinedFileException e) when (e.Problem == ConfinedFileProblem.Missing)
        {
            return Results.Problem(
                title: "file is gone",
                detail: $"the catalogue lists {file.DownloadName} but it is no longer on disk (or is a link to nothing); run a rescan",
                statusCode: StatusCodes.Status410Gone);
        }
        catch (ConfinedFileException e) when (e.Problem is ConfinedFileProblem.OutsideRoot or ConfinedFileProblem.NotRegular)
        {
            return Results.Problem(title: "not served", detail: $"{file.DownloadName}: {Reason(e)}", statusCode: StatusCodes.Status403Forbidden);
        }
        catch (IOException e)
        {
            return Results.Problem(title: "cannot read the file", detail: $"{file.DownloadName}: {Reason(e)}", statusCode: StatusCodes.Status500InternalServerError);
        }

        var etag = EntityTagFor(opened.Status);
        if (file.Sha256 is { Length: 64 } sha256Hex)
        {
            var b64 = Convert.ToBase64String(Convert.FromHexString(sha256Hex));
            context.Response.Headers["Repr-Digest"] = $"sha-256=:{b64}:";
            context.Response.Headers["Digest"] = $"SHA-256={b64}";
        }

        context.Response.Headers.CacheControl = "private, no-transform";
        var request = context.Request.Headers;
        var lastModified = opened.Status.Mtime;
        if (request.Range.Count == 0 && request.IfNoneMatch.Count == 0 && request.IfModifiedSince.Count == 0
            && request.IfMatch.Count == 0 && request.IfUnmodifiedSince.Count == 0)
        {
            return new WholeFileResult(opened, file.ContentType, file.DownloadName, etag, lastModified);
        }

        // The stream owns the checked handle and is disposed by the result.
        return Results.Stream(
            opened.OpenStream(bufferSize: 0),
            file.ContentType,
            fileDownloadName: file.DownloadName,
            lastModified: lastModified,
            entityTag: etag,
            enableRangeProcessing: true);
    }

    /// <summary>Strong tag from the file's identity: device, inode, size and mtime (ns); any replacement changes it.</summary>
    public static EntityTagHeaderValue EntityTagFor(FileStatus status) =>
        new(string.Create(CultureInfo.InvariantCulture, $"\"{status.Device:x}-{status.Inode:x}-{status.Size:x}-{status.MtimeNanoseconds:x}\""));

    /// <summary>The reason without the server's path (the client knows the file by its download name).</summary>
    private static string Reason(IOException e) => e is ConfinedFileException c ? e.Message[(c.Path.Length + 2)..] : e.Message;
}
