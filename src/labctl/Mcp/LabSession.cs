using System.Globalization;
using System.Net;
using Labctl.Client;
using Labd.Protocol;

namespace Labctl.Mcp;

/// <summary>
/// Where the tools' calls go: labd's socket (on an agent's sandbox, <c>/run/lab/api.sock</c>,
/// where the caller is the agent) and the lab they work on, found once and remembered.
/// </summary>
internal sealed class LabSession(string socketPath, string? lab)
{
    private string? _lab = lab;

    public string SocketPath { get; } = socketPath;

    /// <summary>A client for quick calls (labctl's usual time limit) or, <paramref name="unbounded"/>, for waits and snapshots.</summary>
    public LabdClient Connect(bool unbounded = false) => new(SocketPath, unbounded ? Timeout.InfiniteTimeSpan : null);

    /// <summary>
    /// The lab: <c>--lab</c>, else the caller's own (labd's <c>/v1/self</c> names it on an agent's
    /// socket), else the lab containing the current directory (as every labctl command finds it).
    /// </summary>
    public async Task<string> LabAsync(LabdClient client, CancellationToken cancellationToken)
    {
        if (_lab is { } known)
        {
            return known;
        }
        var self = await client.GetAsync(Routes.Self, ProtocolJsonContext.Default.SelfInfo, cancellationToken).ConfigureAwait(false);
        if (self.Value.Lab is { Length: > 0 } own)
        {
            return _lab = own;
        }
        var here = Directory.GetCurrentDirectory();
        try
        {
            var resolved = await client.GetAsync(Routes.LabResolveOf(here), ProtocolJsonContext.Default.LabRef, cancellationToken).ConfigureAwait(false);
            return _lab = resolved.Value.Id;
        }
        catch (LabdApiException e) when (e.Status == HttpStatusCode.NotFound)
        {
            throw new ToolException($"{e.Detail} ({e.Code}); start `labctl mcp` in a lab's directory or pass `labctl mcp --lab NAME`");
        }
    }

    /// <summary>An experiment's id from its id (<c>17</c>) or its label (<c>exp/3.2</c> or <c>3.2</c>) in the lab.</summary>
    public async Task<long> ExperimentAsync(LabdClient client, string text, CancellationToken cancellationToken)
    {
        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var id))
        {
            return id;
        }
        if (!ExperimentLabel.TryParse(text, out _))
        {
            throw new ToolException(ExperimentLabel.NotALabel(text));
        }
        var lab = await LabAsync(client, cancellationToken).ConfigureAwait(false);
        return await client.ExperimentIdAsync(lab, text, cancellationToken).ConfigureAwait(false);
    }
}
