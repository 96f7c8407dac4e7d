using System.Text;
using Labctl.Client;
using Labd.Protocol;

namespace Labctl.Mcp;

/// <summary>The experiments' tools: run, wait (for one, or for whichever ends next), logs.</summary>
internal static class ExperimentTools
{
    /// <summary>Under the two minutes an agent CLI's tool call may take (Claude Code's Bash tool;
    /// Codex's MCP default is 60 s, its docs' config raises it): a wait returns and is called again.</summary>
    internal const int DefaultWaitSeconds = 100;
    internal const int MaxWaitSeconds = 3600;
    internal const int DefaultTailLines = 100;
    internal const int MaxTailLines = 2000;

    public static IEnumerable<LabTool> Create() =>
    [
        new("lab_exp_run",
            "Queue an experiment: labd snapshots the working tree (uncommitted changes included) onto the idea's branch and runs the command in a sandbox on that commit. The command's last output line must be {\"metrics\": {\"NAME\": NUMBER, ...}}. Returns the experiment (id, label exp/<idea>.<seq>, status queued); then lab_exp_wait.",
            """
            {"type":"object","properties":{
              "idea":{"type":"integer","description":"The idea this experiment belongs to"},
              "command":{"type":"array","items":{"type":"string"},"minItems":1,"description":"argv as given, looked up on the sandbox's PATH, e.g. [\"python3\",\"train.py\",\"--lr\",\"0.1\"] or [\"sh\",\"run.sh\"] (as after -- in labctl exp run)"},
              "gpus":{"type":"integer","minimum":0,"description":"GPUs to lease (at most the lab policy's)"},
              "tags":{"type":"array","items":{"type":"string"},"description":"Tags, e.g. [\"baseline\"]"},
              "meta":{"type":"object","additionalProperties":{"type":"string"},"description":"key=value facts to record, e.g. {\"lr\":\"0.1\"}"},
              "timeoutSeconds":{"type":"integer","minimum":1,"description":"Wall-clock limit of the run"},
              "priority":{"type":"integer","description":"Higher runs first (default 0; bounded by the lab's policy), as labctl exp run --priority"},
              "allowDuplicate":{"type":"boolean","description":"Run even when the same commit, command and meta ran before (as labctl exp run --allow-duplicate)"}
            },"required":["idea","command"],"additionalProperties":false}
            """,
            RunAsync),

        new("lab_exp_wait",
            $"Wait until an experiment ends, then return it (status succeeded, failed, cancelled or timed_out; metrics; reason). If it is still queued or running after timeoutSeconds (default {DefaultWaitSeconds}, at most {MaxWaitSeconds}), returns it as it is now (status queued or running): call again.",
            $$"""
            {"type":"object","properties":{
              "experiment":{"type":"string","description":"Label exp/<idea>.<seq> (or <idea>.<seq>) or numeric id"},
              "timeoutSeconds":{"type":"integer","minimum":1,"maximum":{{MaxWaitSeconds}},"description":"How long to wait (default {{DefaultWaitSeconds}})"}
            },"required":["experiment"],"additionalProperties":false}
            """,
            WaitAsync),

        new("lab_exp_wait_any",
            $"Wait until whichever of the lab's queued or running experiments ends next, then return it (as lab_exp_wait does). Fails when none is queued or running. If none ends within timeoutSeconds (default {DefaultWaitSeconds}, at most {MaxWaitSeconds}), says so: call again.",
            $$"""
            {"type":"object","properties":{
              "timeoutSeconds":{"type":"integer","minimum":1,"maximum":{{MaxWaitSeconds}},"description":"How long to wait (default {{DefaultWaitSeconds}})"}
            },"additionalProperties":false}
            """,
            WaitAnyAsync),

        new("lab_exp_logs",
            "The last lines of an experiment's output (stdout and stderr), as text.",
            $$"""
            {"type":"object","properties":{
              "experiment":{"type":"string","description":"Label exp/<idea>.<seq> (or <idea>.<seq>) or numeric id"},
              "tail":{"type":"integer","minimum":1,"maximum":{{MaxTailLines}},"description":"How many lines from the end (default {{DefaultTailLines}})"}
            },"required":["experiment"],"additionalProperties":false}
            """,
            LogsAsync),
    ];

    private static async Task<string> RunAsync(LabSession session, ToolArguments args, CancellationToken cancellationToken)
    {
        var command = args.OptionalStrings("command") is { Count: > 0 } words ? words : throw new ToolException("'command' is required: an argv array such as [\"python3\", \"train.py\"]");
        var request = ExperimentSubmission.Request(
            idea: args.Int("idea"),
            words: command,
            afterSeparator: true,
            gpus: args.OptionalInt("gpus"),
            timeoutSeconds: args.OptionalInt("timeoutSeconds"),
            tags: args.OptionalStrings("tags"),
            meta: args.OptionalStringMap("meta"),
            priority: args.OptionalInt("priority"),
            allowDuplicate: args.OptionalBool("allowDuplicate"));
        using var client = session.Connect(unbounded: true);
        var lab = await session.LabAsync(client, cancellationToken).ConfigureAwait(false);
        try
        {
            var submitted = await client.SubmitExperimentAsync(lab, request, cancellationToken).ConfigureAwait(false);
            return CompactJson.Of(submitted.Body);
        }
        catch (LabdApiException e) when (e.KnownCode == ErrorCode.Conflict && e.Detail.Contains("--allow-duplicate", StringComparison.Ordinal))
        {
            // labd words the way out for the CLI; this tool's way is its argument.
            throw new LabdApiException(e.Code, e.Status, e.Detail.Replace("--allow-duplicate", "allowDuplicate: true", StringComparison.Ordinal)) { Errors = e.Errors };
        }
    }

    private static async Task<string> WaitAsync(LabSession session, ToolArguments args, CancellationToken cancellationToken)
    {
        var seconds = Math.Clamp(args.OptionalInt("timeoutSeconds") ?? DefaultWaitSeconds, 1, MaxWaitSeconds);
        using var client = session.Connect(unbounded: true);
        var id = await session.ExperimentAsync(client, args.String("experiment"), cancellationToken).ConfigureAwait(false);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(TimeSpan.FromSeconds(seconds));
        try
        {
            var ended = await client.GetAsync(Routes.ExperimentWait(id), ProtocolJsonContext.Default.ExperimentRecord, deadline.Token).ConfigureAwait(false);
            return CompactJson.Of(ended.Body);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            var now = await client.GetAsync(Routes.Experiment(id), ProtocolJsonContext.Default.ExperimentRecord, cancellationToken).ConfigureAwait(false);
            return CompactJson.Of(now.Body);
        }
    }

    private static async Task<string> WaitAnyAsync(LabSession session, ToolArguments args, CancellationToken cancellationToken)
    {
        var seconds = Math.Clamp(args.OptionalInt("timeoutSeconds") ?? DefaultWaitSeconds, 1, MaxWaitSeconds);
        using var client = session.Connect(unbounded: true);
        var lab = await session.LabAsync(client, cancellationToken).ConfigureAwait(false);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(TimeSpan.FromSeconds(seconds));
        try
        {
            return await ExperimentEnds.NextAsync(client, lab, deadline.Token).ConfigureAwait(false) is { } ended
                ? CompactJson.Of(ended.Body)
                : throw new ToolException($"no experiment of lab {lab} is queued or running; queue one with lab_exp_run");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return $"no experiment of lab {lab} ended within {seconds} s; call lab_exp_wait_any again";
        }
    }

    private static async Task<string> LogsAsync(LabSession session, ToolArguments args, CancellationToken cancellationToken)
    {
        var tail = new LineTail(Math.Clamp(args.OptionalInt("tail") ?? DefaultTailLines, 1, MaxTailLines));
        using var client = session.Connect(unbounded: true);
        var id = await session.ExperimentAsync(client, args.String("experiment"), cancellationToken).ConfigureAwait(false);
        var decoder = Encoding.UTF8.GetDecoder();
        await client.StreamAsync(Routes.ExperimentLogs(id, follow: false), (bytes, _) =>
        {
            var chars = new char[Encoding.UTF8.GetMaxCharCount(bytes.Length)];
            var count = decoder.GetChars(bytes.Span, chars, flush: false);
            tail.Append(chars.AsSpan(0, count));
            return Task.CompletedTask;
        }, cancellationToken).ConfigureAwait(false);
        return tail.ToString();
    }
}
