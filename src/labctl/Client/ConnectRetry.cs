using System.Globalization;

namespace Labctl.Client;

/// <summary>
/// Inside a sandbox, labctl waits out a labd restart instead of failing the agent's call: while
/// the socket refuses connections or is missing, it tries again with backoff for up to
/// <see cref="Limit"/> (env <c>LABCTL_RETRY_SECONDS</c>, default 60; 0 turns it off), saying so once
/// on stderr. A refused connect sent nothing, so retrying it cannot repeat a request.
/// Outside a sandbox there is none: the user sees at once that labd is down.
/// </summary>
internal sealed class ConnectRetry(TimeSpan limit, TextWriter notices)
{
    public const string Variable = "LABCTL_RETRY_SECONDS";
    public static readonly TimeSpan DefaultLimit = TimeSpan.FromSeconds(60);

    // No event says "labd listens again" (the socket file stays; only connect(2) tells), so this
    // polls: quickly at first, for a restart's usual second, then every two seconds.
    private static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(2);

    private bool _announced;

    public TimeSpan Limit { get; } = limit;

    /// <summary>Fails at the first refused connect.</summary>
    public static ConnectRetry Never { get; } = new(TimeSpan.Zero, TextWriter.Null);

    /// <summary>The retry for <paramref name="site"/>: <see cref="Never"/> but on a sandbox's own socket, or when the variable says 0.</summary>
    public static ConnectRetry For(LabdSite site, Func<string, string?> environment, TextWriter notices)
    {
        if (!site.SandboxSocket)
        {
            return Never;
        }
        var limit = environment(Variable) is { Length: > 0 } text && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            ? TimeSpan.FromSeconds(seconds)
            : DefaultLimit;
        return limit > TimeSpan.Zero ? new ConnectRetry(limit, notices) : Never;
    }

    /// <summary>By this process's environment, notices on its stderr (clients made outside a command's context: the MCP server's).</summary>
    public static ConnectRetry FromProcess(string socketPath) =>
        For(LabdSite.Current(socketPath), Environment.GetEnvironmentVariable, Console.Error);

    /// <summary>Waits before attempt <paramref name="attempt"/> (1, 2, …); false once <paramref name="elapsed"/> has used up the limit.</summary>
    public async Task<bool> WaitAsync(int attempt, TimeSpan elapsed, CancellationToken cancellationToken)
    {
        if (elapsed >= Limit)
        {
            return false;
        }
        if (!_announced)
        {
            _announced = true;
            await notices.WriteLineAsync($"labctl: labd is restarting; retrying for up to {Limit.TotalSeconds.ToString("0", CultureInfo.InvariantCulture)} s").ConfigureAwait(false);
            await notices.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        var delay = TimeSpan.FromTicks(Math.Min(MaxDelay.Ticks, FirstDelay.Ticks << Math.Min(attempt - 1, 10)));
        await Task.Delay(delay < Limit - elapsed ? delay : Limit - elapsed, cancellationToken).ConfigureAwait(false);
        return true;
    }
}
