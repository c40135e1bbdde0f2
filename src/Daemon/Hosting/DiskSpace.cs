namespace Kdumpd.Daemon.Hosting;

/// <summary>Free bytes on the filesystem holding a directory; a seam so tests can fake a full disk.</summary>
public class DiskSpace
{
    public virtual long? FreeBytes(string directory)
    {
        try
        {
            return Directory.Exists(directory) ? new DriveInfo(Path.GetFullPath(directory)).AvailableFreeSpace : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return null;
        }
    }
}
