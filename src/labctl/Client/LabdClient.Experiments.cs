using Labd.Protocol;

namespace Labctl.Client;

/// <summary>The experiments API, typed: what <c>labctl exp</c> and the MCP experiment tools call.</summary>
internal sealed partial class LabdClient
{
    /// <summary>Queues <paramref name="request"/> in <paramref name="lab"/>: <c>POST /v1/labs/{lab}/experiments</c>.</summary>
    public async Task<LabdResponse<ExperimentRecord>> SubmitExperimentAsync(string lab, ExperimentSubmitRequest request, CancellationToken cancellationToken) =>
        await PostAsync(Routes.LabExperiments(lab), request, ProtocolJsonContext.Default.ExperimentSubmitRequest, ProtocolJsonContext.Default.ExperimentRecord, cancellationToken).ConfigureAwait(false)
            ?? throw new LabdApiException("invalid-response", System.Net.HttpStatusCode.Created, "labd queued an experiment but sent no record");

    /// <summary>
    /// An experiment's id from its id (<c>17</c>) or its label (<c>exp/3.2</c> or <c>3.2</c>) in
    /// <paramref name="lab"/>. Text that is neither goes as typed, and labd answers with
    /// <see cref="ExperimentLabel"/>'s one-line error.
    /// </summary>
    public async Task<long> ExperimentIdAsync(string lab, string text, CancellationToken cancellationToken)
    {
        if (long.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id))
        {
            return id;
        }
        var label = ExperimentLabel.TryParse(text, out var parsed) ? parsed.IdeaDotSeq : text;
        var found = await GetAsync(Routes.LabExperiment(lab, label), ProtocolJsonContext.Default.ExperimentRecord, cancellationToken).ConfigureAwait(false);
        return found.Value.Id;
    }
}
