using Labd.Protocol;

namespace Labd.Git;

/// <summary>The caps on what labd stores or writes for one tree: bytes per file, bytes in all, entries.</summary>
internal sealed class SnapshotLimits
{
    internal const long MaxFileBytes = 100L * 1024 * 1024;
    internal const long MaxTotalBytes = 1024L * 1024 * 1024;
    internal const int MaxEntries = 200_000;

    private long _bytes;
    private int _entries;

    public void CountEntry(string path)
    {
        if (++_entries > MaxEntries)
        {
            throw new LabdException(ErrorCode.BadRequest, $"more than {MaxEntries} files and directories (at {path}); add build outputs and data to .gitignore");
        }
    }

    public void CountBytes(string path, long size)
    {
        if (size > MaxFileBytes)
        {
            throw new LabdException(ErrorCode.BadRequest, $"{path} is {size} bytes, over the {MaxFileBytes / (1024 * 1024)} MiB per-file cap; add it to .gitignore or keep it outside the lab");
        }
        _bytes += size;
        if (_bytes > MaxTotalBytes)
        {
            throw new LabdException(ErrorCode.BadRequest, $"the files add up to more than the {MaxTotalBytes / (1024 * 1024)} MiB total cap (at {path}); add large files to .gitignore");
        }
    }
}
