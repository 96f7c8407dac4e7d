using System.Text;

namespace Labctl.Mcp;

/// <summary>
/// The last <c>N</c> lines of a stream of text, in bounded memory whatever the stream holds
/// (an experiment's output is hostile: a line may be gigabytes).
/// </summary>
internal sealed class LineTail(int lines)
{
    /// <summary>Longer lines keep their start and say how much was cut.</summary>
    internal const int MaxLineLength = 2000;

    private readonly Queue<string> _lines = new();
    private readonly StringBuilder _current = new();
    private long _cut;

    public void Append(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (c == '\n')
            {
                EndLine();
            }
            else if (_current.Length < MaxLineLength)
            {
                _current.Append(c);
            }
            else
            {
                _cut++;
            }
        }
    }

    public override string ToString()
    {
        var all = new List<string>(_lines);
        if (_current.Length > 0 || _cut > 0)
        {
            all.Add(Current());
            if (all.Count > lines)
            {
                all.RemoveAt(0);
            }
        }
        return string.Join('\n', all);
    }

    private void EndLine()
    {
        _lines.Enqueue(Current());
        _current.Clear();
        _cut = 0;
        while (_lines.Count > lines)
        {
            _lines.Dequeue();
        }
    }

    private string Current() => _cut == 0 ? _current.ToString() : $"{_current}… ({_cut} more characters)";
}
