using System.Globalization;
using Labd.Protocol;

namespace Labctl.Client;

/// <summary>
/// "Whichever of my experiments ends next" (<c>labctl exp wait --any</c>, MCP <c>lab_exp_wait_any</c>):
/// the next <c>exp.end</c> on the event stream among the experiments the caller may see.
/// </summary>
internal static class ExperimentEnds
{
    /// <summary>The experiment that ends next (in <paramref name="lab"/> when given), as it is then; null when
    /// none is queued or running, so there is nothing to wait for.</summary>
    public static async Task<LabdResponse<ExperimentRecord>?> NextAsync(LabdClient client, string? lab, CancellationToken cancellationToken)
    {
        // The stream is opened first: labd counts from its answer, so an experiment that ends while the
        // active ones are listed below is still in the stream, and one that ended before is not listed.
        await using var events = await client.EventsAsync(Routes.EventsOf(lab, ["exp.end"], follow: true), cancellationToken).ConfigureAwait(false);
        var running = await client.GetAsync(Routes.ExperimentsOf(lab, ExperimentRecord.Running), ProtocolJsonContext.Default.IReadOnlyListExperimentRecord, cancellationToken).ConfigureAwait(false);
        var queued = await client.GetAsync(Routes.ExperimentsOf(lab, ExperimentRecord.Queued), ProtocolJsonContext.Default.IReadOnlyListExperimentRecord, cancellationToken).ConfigureAwait(false);
        if (running.Value.Count == 0 && queued.Value.Count == 0)
        {
            return null;
        }
        while (await events.NextAsync().ConfigureAwait(false) is { } ended)
        {
            if (long.TryParse(ended.Subject, NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            {
                return await client.GetAsync(Routes.Experiment(id), ProtocolJsonContext.Default.ExperimentRecord, cancellationToken).ConfigureAwait(false);
            }
        }
        throw new LabdUnreachableException(client.SocketPath, $"labd at {client.SocketPath} closed the event stream", permissionDenied: false, null);
    }
}
