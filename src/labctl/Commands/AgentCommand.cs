using System.CommandLine;
using System.Globalization;
using Labctl.Output;
using Labd.Protocol;

namespace Labctl.Commands;

/// <summary><c>labctl agent start|loop|ls|show|logs|egress|stop</c>: agent sessions labd runs for you.</summary>
internal static class AgentCommand
{
    public static Command Create(CliContext context)
    {
        var agent = new Command("agent", "Start agents on a lab (one turn, or a turn every interval), list, follow and stop them");
        agent.Subcommands.Add(AgentStartCommand.Create(context, loop: false));
        agent.Subcommands.Add(AgentStartCommand.Create(context, loop: true));
        agent.Subcommands.Add(List(context));
        agent.Subcommands.Add(Show(context));
        agent.Subcommands.Add(AgentLogsCommand.Create(context));
        agent.Subcommands.Add(AgentEgressCommand.Create(context));
        agent.Subcommands.Add(Stop(context));
        return agent;
    }

    internal static Argument<long> IdArgument() => new("ID") { Description = "The agent's id (`labctl agent ls`)" };

    private static Command List(CliContext context)
    {
        var lab = new Option<string?>("--lab") { Description = "Only this lab's agents (default: every lab you can see)", HelpName = "L" };
        var command = new Command("ls", TrackerCli.Describe("List agents, newest first", "labctl agent ls", "labctl agent ls --lab cifar -o json")) { lab };
        command.SetAction((parseResult, cancellationToken) => context.RunAsync(async () =>
        {
            using var client = context.Connect(parseResult);
            var response = await client.GetAsync(Routes.AgentsOf(parseResult.GetValue(lab)), ProtocolJsonContext.Default.IReadOnlyListAgentRecord, cancellationToken).ConfigureAwait(false);
            TrackerCli.Print(context, parseResult, response, (agents, output, color) =>
            {
                var now = DateTimeOffset.UtcNow;
                var table = new Table("ID", "LAB", "ROLE", "KIND", "STATUS", "TURNS", "FAILED", "COST", "NEXT");
                foreach (var a in agents)
                {
                    table.Add(TrackerCli.Int(a.Id), a.Lab, a.Role, a.Kind, a.Status, Turns(a), Failures(a), Cost(a), Next(a, now));
                }
                table.Write(output, color);
            });
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Show(CliContext context)
    {
        var id = IdArgument();
        var command = new Command("show", TrackerCli.Describe("Show an agent: status, turns, cost, tokens, worktree, branch, policy, budgets, recent turns", "labctl agent show 7")) { id };
        command.SetAction((parseResult, cancellationToken) => context.RunAsync(async () =>
        {
            using var client = context.Connect(parseResult);
            var response = await client.GetAsync(Routes.Agent(parseResult.GetValue(id)), ProtocolJsonContext.Default.AgentRecord, cancellationToken).ConfigureAwait(false);
            TrackerCli.Print(context, parseResult, response, Render);
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Stop(CliContext context)
    {
        var id = IdArgument();
        var grace = new Option<int?>("--grace")
        {
            Description = "How long the current turn gets after SIGTERM before its sandbox is killed (default 10s)",
            HelpName = "D",
            CustomParser = r => AgentTimes.Seconds(r.Tokens.Count == 1 ? r.Tokens[0].Value : "") is { } s ? s : Invalid(r),
        };
        var noWait = new Option<bool>("--no-wait") { Description = "Return once labd has the request, without waiting for the agent to stop" };
        var command = new Command("stop", TrackerCli.Describe("Stop an agent: the current turn ends gracefully (SIGTERM, grace, SIGKILL), no turn follows", "labctl agent stop 7", "labctl agent stop 7 --grace 1m")) { id, grace, noWait };
        command.SetAction((parseResult, cancellationToken) => context.RunAsync(async () =>
        {
            var agentId = parseResult.GetValue(id);
            var graceSeconds = parseResult.GetValue(grace);
            using var client = context.Connect(parseResult, Timeout.InfiniteTimeSpan);
            var response = await client.PostAsync(Routes.AgentStop(agentId), new AgentStopRequest(graceSeconds), ProtocolJsonContext.Default.AgentStopRequest, ProtocolJsonContext.Default.AgentRecord, cancellationToken).ConfigureAwait(false)
                ?? await client.GetAsync(Routes.Agent(agentId), ProtocolJsonContext.Default.AgentRecord, cancellationToken).ConfigureAwait(false);
            if (!parseResult.GetValue(noWait))
            {
                // The whole sandbox is dead by the end of the grace; a little more for labd to record it.
                var deadline = DateTimeOffset.UtcNow.AddSeconds((graceSeconds ?? 10) + 30);
                while (response.Value.Status is AgentRecord.Stopping or AgentRecord.Running)
                {
                    if (DateTimeOffset.UtcNow > deadline)
                    {
                        return context.Fail(ExitCodes.Failure, $"agent {TrackerCli.Int(agentId)} is still {response.Value.Status}; see `labctl agent show {TrackerCli.Int(agentId)}`");
                    }
                    await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken).ConfigureAwait(false);
                    response = await client.GetAsync(Routes.Agent(agentId), ProtocolJsonContext.Default.AgentRecord, cancellationToken).ConfigureAwait(false);
                }
            }
            if (context.Format(parseResult) == OutputFormat.Json)
            {
                context.Console.Out.WriteLine(response.Body);
            }
            else
            {
                context.Console.Out.WriteLine(TerminalText.Line($"Agent {TrackerCli.Int(agentId)} is {response.Value.Status}{(response.Value.Reason is { } r && r != response.Value.Status ? ": " + r : "")}"));
            }
            return ExitCodes.Ok;
        }));
        return command;
    }

    public static void Render(AgentRecord a, TextWriter output, bool color)
    {
        new KeyValueList()
            .Add("Agent", $"{TrackerCli.Int(a.Id)} in lab {a.Lab}")
            .Add("Status", a.Status, a.Status switch { AgentRecord.Running => Paint.Green, AgentRecord.Failed => Paint.Red, _ => null })
            .Add("Reason", a.Reason ?? "")
            .Add("Role", a.Role)
            .Add("Kind", a.Kind)
            .Add("Command", string.Join(' ', a.Command))
            .Add("Interval", a.IntervalSeconds is { } s ? "every " + Durations.Format(TimeSpan.FromSeconds(s)) : "one turn")
            .Add("Turns", Turns(a))
            .Add("Failed in a row", Failures(a) + $" (ends the agent at {TrackerCli.Int(a.MaxFailures)})", a.ConsecutiveFailures > 0 ? Paint.Red : null)
            .Add("Current turn", a.CurrentTurn is { } current ? $"{TrackerCli.Int(current.Number)} since {TrackerCli.Time(current.StartedAt)}" : "none")
            .Add("Next turn", a.NextTurnAt is { } next ? TrackerCli.Time(next) : "-")
            .Add("Cost", Cost(a))
            .Add("Tokens", $"{TrackerCli.Int(a.InputTokens)} in, {TrackerCli.Int(a.OutputTokens)} out")
            .Add("Until", a.Until is { } until ? TrackerCli.Time(until) : "no limit")
            .Add("Worktree", a.Worktree)
            .Add("Branch", a.Branch)
            .Add("Policy", a.Policy)
            .Add("Owner", a.Owner)
            .Add("Created", TrackerCli.Time(a.CreatedAt))
            .Add("Ended", a.EndedAt is { } ended ? TrackerCli.Time(ended) : "")
            .Write(output, color);
        if (a.RecentTurns.Count == 0)
        {
            return;
        }
        output.WriteLine();
        var table = new Table("TURN", "STATUS", "EXIT", "STARTED", "TOOK", "COST", "TOKENS", "REASON");
        foreach (var t in a.RecentTurns)
        {
            table.Add(
                TrackerCli.Int(t.Number),
                t.Status,
                t.ExitCode is { } code ? code.ToString(CultureInfo.InvariantCulture) : "-",
                TrackerCli.Time(t.StartedAt),
                t.EndedAt is { } end ? Durations.Format(end - t.StartedAt) : "-",
                t.CostUsd is { } c ? Usd(c) : "-",
                t.InputTokens is null && t.OutputTokens is null ? "-" : $"{TrackerCli.Int(t.InputTokens ?? 0)}/{TrackerCli.Int(t.OutputTokens ?? 0)}",
                t.Reason ?? "");
        }
        table.Write(output, color);
    }

    internal static string Turns(AgentRecord a) => TrackerCli.Int(a.Turns) + (a.MaxTurns is { } max ? "/" + TrackerCli.Int(max) : "");

    /// <summary>Failed turns in a row, e.g. <c>2/3</c> (the third ends the agent).</summary>
    internal static string Failures(AgentRecord a) => TrackerCli.Int(a.ConsecutiveFailures) + "/" + TrackerCli.Int(a.MaxFailures);

    internal static string Cost(AgentRecord a) => Usd(a.CostUsd) + (a.BudgetUsd is { } budget ? "/" + Usd(budget) : "");

    internal static string Next(AgentRecord a, DateTimeOffset now) =>
        a.CurrentTurn is { } turn ? "in turn " + TrackerCli.Int(turn.Number)
        : a.Status is AgentRecord.Running && a.NextTurnAt is { } next ? (next <= now ? "now" : "in " + Durations.Format(next - now))
        : "-";

    private static string Usd(double value) => "$" + value.ToString("0.00", CultureInfo.InvariantCulture);

    private static int? Invalid(System.CommandLine.Parsing.ArgumentResult result)
    {
        result.AddError("--grace must be a duration such as 10s, 1m or 2m30s");
        return null;
    }
}
