using Labctl.Client;
using Labctl.Output;
using Labd.Protocol;

namespace Labctl.Commands;

/// <summary>
/// <c>labctl exp cancel</c>'s outcome in words: <c>cancelled exp/1.2</c>, or <c>exp/1.2 already
/// ended (succeeded)</c> (exit 0: what the user wanted, nothing running, holds either way).
/// <c>-o json</c>: the experiment's record.
/// </summary>
internal static class ExpCancel
{
    public static async Task<int> RunAsync(CliContext context, LabdClient client, long id, bool json, CancellationToken cancellationToken)
    {
        LabdResponse<ExperimentRecord>? response;
        try
        {
            response = await client.PostAsync<ExperimentSubmitRequest, ExperimentRecord>(Routes.ExperimentCancel(id), null, ProtocolJsonContext.Default.ExperimentSubmitRequest, ProtocolJsonContext.Default.ExperimentRecord, cancellationToken).ConfigureAwait(false);
        }
        catch (LabdApiException e) when (e.KnownCode == ErrorCode.Conflict)
        {
            var ended = await client.GetAsync(Routes.Experiment(id), ProtocolJsonContext.Default.ExperimentRecord, cancellationToken).ConfigureAwait(false);
            if (!ended.Value.IsTerminal)
            {
                throw;
            }
            context.Console.Out.WriteLine(json ? ended.Body : TerminalText.Line($"{ended.Value.Label} already ended ({ended.Value.Status})"));
            return ExitCodes.Ok;
        }
        response ??= await client.GetAsync(Routes.Experiment(id), ProtocolJsonContext.Default.ExperimentRecord, cancellationToken).ConfigureAwait(false);
        var record = response.Value;
        context.Console.Out.WriteLine(json ? response.Body
            : record.Status == ExperimentRecord.Cancelled ? TerminalText.Line($"cancelled {record.Label}")
            : TerminalText.Line($"cancelled {record.Label} (it was {record.Status}: SIGTERM, then SIGKILL after a grace; `labctl exp wait {record.Label}` shows the end)"));
        return ExitCodes.Ok;
    }
}
