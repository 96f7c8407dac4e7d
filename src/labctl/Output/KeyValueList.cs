namespace Labctl.Output;

/// <summary>Aligned <c>Key   value</c> lines, the human form of one object; keys and values are <see cref="TerminalText.Escape(string?)"/>d (a key may hold a metric name).</summary>
internal sealed class KeyValueList
{
    private readonly List<(string Key, string Value, string? Color)> _items = [];

    public KeyValueList Add(string key, string value, string? color = null)
    {
        _items.Add((TerminalText.Escape(key), TerminalText.Escape(value), color));
        return this;
    }

    public void Write(TextWriter output, bool useColor)
    {
        var width = _items.Count == 0 ? 0 : _items.Max(i => i.Key.Length);
        foreach (var (key, value, color) in _items)
        {
            output.WriteLine(key.PadRight(width) + "  " + Paint.Apply(useColor, color, value));
        }
    }
}
