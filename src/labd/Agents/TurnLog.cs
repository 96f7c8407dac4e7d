using System.Text;
using Labd.Runs;

namespace Labd.Agents;

/// <summary>
/// Reads one turn's output log (a file the sandbox filled, so hostile: any bytes, any length) as
/// lines: complete lines from where the last read stopped, the unterminated rest only once the
/// run has ended. A line longer than <see cref="MaxLineBytes"/> comes in pieces.
/// </summary>
internal sealed class TurnLog(int turn, Run? run)
{
    internal const int MaxLineBytes = 64 * 1024;
    internal const int TailWindowBytes = 1 << 20;

    private long _offset;

    public int Turn { get; } = turn;

    /// <summary>Whether the run has ended and everything it wrote was read.</summary>
    public bool Done { get; private set; }

    /// <summary>Starts at the end, keeping at most <paramref name="count"/> lines before it (complete
    /// ones while the run goes on; read from the last <see cref="TailWindowBytes"/> only); returns
    /// them oldest first.</summary>
    public IReadOnlyList<string> Tail(int count)
    {
        if (run is null || !File.Exists(run.LogPath) || count == 0)
        {
            _offset = run is null || !File.Exists(run.LogPath) ? 0 : LastNewline(run.LogPath);
            return [];
        }
        // An ended run's unterminated last line counts; a running one's may still grow.
        var ended = run.TryGetExit() is not null;
        var end = ended ? new FileInfo(run.LogPath).Length : LastNewline(run.LogPath);
        var start = Math.Max(0, end - TailWindowBytes);
        _offset = start;
        var lines = ReadLines(final: ended, limit: end).ToList();
        if (start > 0 && lines.Count > 0)
        {
            lines.RemoveAt(0);
        }
        _offset = end;
        return lines.Count > count ? lines[^count..] : lines;
    }

    /// <summary>What was written since the last read. Reads the exit first, so output written before
    /// the exit record is surely included when <see cref="Done"/> becomes true.</summary>
    public IReadOnlyList<string> Read()
    {
        if (run is null)
        {
            Done = true;
            return [];
        }
        var ended = run.TryGetExit() is not null;
        var lines = File.Exists(run.LogPath) ? ReadLines(ended, long.MaxValue).ToList() : [];
        Done = ended;
        return lines;
    }

    private IEnumerable<string> ReadLines(bool final, long limit)
    {
        using var log = new FileStream(run!.LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var length = Math.Min(log.Length, limit);
        while (_offset < length)
        {
            log.Seek(_offset, SeekOrigin.Begin);
            var buffer = new byte[(int)Math.Min(MaxLineBytes, length - _offset)];
            var read = log.Read(buffer);
            if (read == 0)
            {
                yield break;
            }
            var newline = Array.IndexOf(buffer, (byte)'\n', 0, read);
            if (newline >= 0)
            {
                _offset += newline + 1;
                yield return Encoding.UTF8.GetString(buffer, 0, newline);
            }
            else if (read == MaxLineBytes || final)
            {
                _offset += read;
                yield return Encoding.UTF8.GetString(buffer, 0, read);
            }
            else
            {
                yield break;
            }
        }
    }

    private static long LastNewline(string path)
    {
        using var log = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var length = log.Length;
        var buffer = new byte[8192];
        var position = length;
        while (position > 0)
        {
            var size = (int)Math.Min(buffer.Length, position);
            position -= size;
            log.Seek(position, SeekOrigin.Begin);
            log.ReadExactly(buffer, 0, size);
            var index = Array.LastIndexOf(buffer, (byte)'\n', size - 1, size);
            if (index >= 0)
            {
                return position + index + 1;
            }
        }
        return 0;
    }
}
