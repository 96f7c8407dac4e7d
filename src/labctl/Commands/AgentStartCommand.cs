using System.CommandLine;
using System.Globalization;
using Labctl.Client;
using Labctl.Output;
using Labd.Protocol;

namespace Labctl.Commands;

/// <summary><c>labctl agent start</c> (one turn) and <c>labctl agent loop -d 15m</c> (a turn at every interval boundary).</summary>
internal static class AgentStartCommand
{
    public const string DefaultKind = "claude";

    public static Command Create(CliContext context, bool loop)
    {
        var role = new Option<string?>("--role") { Description = "The role (default: default): the turn prompt is PROMPT.<role>.md on the lab's main branch, else PROMPT.md", HelpName = "R" };
        var kind = new Option<string?>("--agent") { Description = "The agent CLI: claude (default), codex, or a kind from labd.yaml's agents: or the lab policy's (a policy may also give claude or codex its own argv)", HelpName = "NAME" };
        var custom = new Option<string?>("--agent-command") { Description = "Run this shell command (sh -c) as the agent instead of a configured one (kind custom)", HelpName = "CMD" };
        var lab = LabOption.Create();
        var maxTurns = new Option<int?>("--max-turns") { Description = "Stop after this many turns", HelpName = "N" };
        var budget = new Option<double?>("--budget-usd") { Description = "Stop once the turns' reported cost reaches this many US dollars (kinds that report cost only: claude)", HelpName = "X" };
        var until = new Option<DateTimeOffset?>("--until")
        {
            Description = "Start no turn after this time: a duration from now (8h, 2d) or RFC 3339 (2026-11-25T08:00:00Z)",
            HelpName = "TIME",
            CustomParser = AgentTimes.ParseUntil,
        };
        var interval = new Option<int>("-d", "--interval")
        {
            Description = "Time between the starts of turns: 20s, 15m, 2h, 1d (a turn that overruns is followed at once; turns never overlap)",
            HelpName = "D",
            Required = true,
            CustomParser = AgentTimes.ParseInterval,
        };
        var maxFailures = new Option<int?>("--max-failures") { Description = "End the agent after this many failed turns in a row (default 3), the last turn's reason as its own", HelpName = "N" };
        var allowDirty = new Option<bool>("--allow-dirty")
        {
            Description = "Start even when PROMPT.md (or the role's, or the --agent-command's script) is uncommitted or differs from main's tip, which is what the agent reads",
        };
        // Only a value that parsed: one that did not already has its error, and reading it would throw.
        maxTurns.Validators.Add(r => { if (r.Tokens is [var t] && int.TryParse(t.Value, CultureInfo.InvariantCulture, out var n) && n < 1) { r.AddError("--max-turns must be at least 1"); } });
        maxFailures.Validators.Add(r => { if (r.Tokens is [var t] && int.TryParse(t.Value, CultureInfo.InvariantCulture, out var n) && n < 1) { r.AddError("--max-failures must be at least 1"); } });
        budget.Validators.Add(r => { if (r.Tokens is [var t] && double.TryParse(t.Value, CultureInfo.InvariantCulture, out var usd) && usd is not > 0) { r.AddError("--budget-usd must be a positive amount, e.g. 5 or 2.50"); } });

        var command = new Command(loop ? "loop" : "start", loop ? LoopHelp : StartHelp) { role, kind, custom, lab, maxTurns, budget, until, maxFailures, allowDirty };
        if (loop)
        {
            command.Options.Add(interval);
        }
        command.Validators.Add(r =>
        {
            if (r.GetResult(kind) is not null && r.GetResult(custom) is not null)
            {
                r.AddError("--agent and --agent-command exclude each other: name a configured agent or give a command, not both");
            }
        });
        command.SetAction((parseResult, cancellationToken) => context.RunAsync(async () =>
        {
            using var client = context.Connect(parseResult);
            var labId = await LabOption.ResolveAsync(client, parseResult, lab, cancellationToken).ConfigureAwait(false);
            var script = parseResult.GetValue(custom);
            var request = new AgentStartRequest(
                labId,
                script is null ? parseResult.GetValue(kind) ?? DefaultKind : null,
                script is null ? null : ["/bin/sh", "-c", script],
                parseResult.GetValue(role),
                loop ? parseResult.GetValue(interval) : null,
                parseResult.GetValue(maxTurns),
                parseResult.GetValue(budget),
                parseResult.GetValue(until),
                parseResult.GetValue(maxFailures),
                parseResult.GetValue(allowDirty) ? true : null);
            var started = await client.PostAsync(Routes.Agents, request, ProtocolJsonContext.Default.AgentStartRequest, ProtocolJsonContext.Default.AgentRecord, cancellationToken).ConfigureAwait(false)
                ?? throw new LabdApiException("invalid-response", System.Net.HttpStatusCode.Created, "labd started an agent but sent no record");
            foreach (var warning in started.Value.Warnings ?? [])
            {
                context.Console.Error.WriteLine("labctl: warning: " + warning);
            }
            if (context.Format(parseResult) == OutputFormat.Json)
            {
                context.Console.Out.WriteLine(started.Body);
                return ExitCodes.Ok;
            }
            var agent = started.Value;
            // The id alone on stdout, for `id=$(labctl agent start ...)`; the story on stderr.
            context.Console.Out.WriteLine(TrackerCli.Int(agent.Id));
            context.Console.Error.WriteLine(TerminalText.Line($"labctl: agent {TrackerCli.Int(agent.Id)} ({agent.Kind}, role {agent.Role}) {agent.Status} in lab {agent.Lab} on branch {agent.Branch}; follow it with `labctl agent logs -f {TrackerCli.Int(agent.Id)}`"));
            return ExitCodes.Ok;
        }));
        return command;
    }

    internal const string StartHelp = """
        Start an agent for one turn: it runs the agent CLI once in its own sandbox, worktree and branch, with the role's prompt and labd's guide.
        The agent's worktree, prompt and --agent-command script come from the lab's main branch as committed: commit them first (or --allow-dirty).

        Examples:
          labctl agent start
          labctl agent start --role reviewer --agent codex --lab cifar
          labctl agent start --agent-command 'labctl orient; ./my-agent.sh'
        """;

    internal const string LoopHelp = """
        Start an agent that takes a turn every interval until stopped, out of budget, or after --max-failures failed turns in a row (it survives your logout and labd restarts).
        The agent's worktree, prompt and --agent-command script come from the lab's main branch as committed: commit them first (or --allow-dirty).

        Examples:
          labctl agent loop -d 15m
          labctl agent loop -d 30m --role explorer --max-turns 20 --budget-usd 10 --until 8h
          labctl agent loop -d 20s --agent-command 'sh agent.sh' --until 2h
        """;
}
