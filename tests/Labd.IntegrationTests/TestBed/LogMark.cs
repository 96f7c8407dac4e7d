namespace Labd.IntegrationTests.TestBed;

/// <summary>A position in a test bed log: what was appended after it is what a test caused.</summary>
public sealed class LogMark
{
    private readonly string _path;
    private readonly long _offset;

    private LogMark(string path, long offset)
    {
        _path = path;
        _offset = offset;
    }

    public static LogMark Of(string path) => new(path, File.Exists(path) ? new FileInfo(path).Length : 0);

    public string NewText()
    {
        if (!File.Exists(_path))
        {
            return "";
        }

        using var stream = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        stream.Seek(Math.Min(_offset, stream.Length), SeekOrigin.Begin);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>Waits (polling, bounded) until the new text contains <paramref name="expected"/>;
    /// used only to prove an oracle fires, never to order steps of the system under test.</summary>
    public async Task<string> WaitForAsync(string expected, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(TimeSpan.FromSeconds(10));
        while (true)
        {
            var text = NewText();
            if (text.Contains(expected, StringComparison.Ordinal))
            {
                return text;
            }

            try
            {
                await Task.Delay(50, deadline.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                Assert.Fail($"'{expected}' did not appear in {_path}; new text: {text}");
            }
        }
    }
}
