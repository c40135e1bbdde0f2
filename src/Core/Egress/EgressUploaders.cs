namespace Kdumpd.Core.Egress;

/// <summary>The one place a target kind maps to its uploader.</summary>
public static class EgressUploaders
{
    public static IEgressUploader For(EgressTarget target) => target switch
    {
        S3Target s3 => new S3Uploader(s3),
        SftpTarget sftp => new SftpUploader(sftp),
        _ => throw new ArgumentOutOfRangeException(nameof(target), target?.Kind, "unknown egress target kind"),
    };
}
