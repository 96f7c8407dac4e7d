using System.CommandLine;
using System.Text.Json;
using Labctl.Output;
using Labd.Protocol;
using Labd.SandboxPolicy;

namespace Labctl.Commands;

/// <summary>
/// <c>labctl policy explain NAME --path P | --host H[:port]</c>: what a sandbox under policy NAME
/// sees at a path or may reach, and the rule that decides. Asks labd, so the answer reflects the
/// loaded set; <c>--policies DIR</c> reads a directory instead (offline, no daemon). Both use the
/// same library calls (<see cref="PolicyExplain"/>) as the runtime and the proxy.
/// </summary>
internal static class PolicyExplainCommand
{
    public static Command Create(CliContext context)
    {
        var name = new Argument<string>("NAME") { Description = "Policy name (file name without .yaml)" };
        var paths = new Option<string[]>("--path") { Description = "A path to explain (repeatable); ${LAB}, ${WORKTREE}, ${HOME} allowed", AllowMultipleArgumentsPerToken = false };
        var hosts = new Option<string[]>("--host") { Description = "A host[:port] to explain (repeatable; port 443 when omitted)" };
        var policies = new Option<string?>("--policies") { Description = "Explain from this policy directory instead of asking labd (offline)" };
        var lab = new Option<string?>("--lab") { Description = "Value of ${LAB}" };
        var worktree = new Option<string?>("--worktree") { Description = "Value of ${WORKTREE}" };
        var home = new Option<string?>("--home")
        {
            Description = "Value of ${HOME} (default: your home)",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("HOME"),
        };
        var command = new Command("explain", "Explain what a policy allows at a path or for a host") { name, paths, hosts, policies, lab, worktree, home };
        command.SetAction((parseResult, cancellationToken) => context.RunAsync(async () =>
        {
            var query = new PolicyExplainQuery(
                parseResult.GetValue(name) ?? "",
                parseResult.GetValue(paths) ?? [],
                parseResult.GetValue(hosts) ?? [],
                new PolicyVariables(parseResult.GetValue(lab), parseResult.GetValue(worktree), parseResult.GetValue(home)));
            if (query.Paths.Count == 0 && query.Hosts.Count == 0)
            {
                return context.Fail(ExitCodes.Usage, "nothing to explain; pass --path P or --host H[:port]");
            }
            var directory = parseResult.GetValue(policies);
            var (explanation, body) = directory is null
                ? await AskLabdAsync(context, parseResult, query, cancellationToken).ConfigureAwait(false)
                : Offline(context, directory, query);
            if (explanation is null)
            {
                return body is null ? ExitCodes.NotFound : ExitCodes.Invalid;
            }
            Write(context, parseResult, explanation, body);
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static async Task<(PolicyExplanation?, string?)> AskLabdAsync(CliContext context, ParseResult parseResult, PolicyExplainQuery query, CancellationToken cancellationToken)
    {
        using var client = context.Connect(parseResult);
        var response = await client.GetAsync(query.Route(), ProtocolJsonContext.Default.PolicyExplanation, cancellationToken).ConfigureAwait(false);
        return (response.Value, response.Body);
    }

    private static (PolicyExplanation?, string?) Offline(CliContext context, string directory, PolicyExplainQuery query)
    {
        var load = PolicySet.LoadDirectory(directory);
        if (!load.Success)
        {
            foreach (var d in load.Errors)
            {
                context.Console.Error.WriteLine(d.ToString());
            }
            context.Fail(ExitCodes.Invalid, $"the policies in {directory} are invalid; see `labctl policy check {directory}/*.yaml`");
            return (null, "");
        }
        if (load.Set.Find(query.Name) is not { } policy)
        {
            context.Fail(ExitCodes.NotFound, $"no policy named '{query.Name}'; known: {string.Join(", ", load.Set.Policies.Keys)}");
            return (null, null);
        }
        var explanation = new PolicyExplanation(
            policy.Name,
            policy.Hash,
            [.. query.Paths.Select(p => PolicyExplain.Path(policy, p, query.Variables)).Select(e => new PathAnswer(e.Path, ModeName(e.Mode), e.Reason))],
            [.. query.Hosts.Select(h => (Host: h, Decision: PolicyExplain.Host(policy, h))).Select(d => new HostAnswer(d.Host, d.Decision.Allowed, d.Decision.Reason))]);
        return (explanation, JsonSerializer.Serialize(explanation, ProtocolJsonContext.Default.PolicyExplanation));
    }

    private static void Write(CliContext context, ParseResult parseResult, PolicyExplanation explanation, string? body)
    {
        var output = context.Console.Out;
        if (context.Format(parseResult) == OutputFormat.Json)
        {
            output.WriteLine((body ?? "").TrimEnd('\n'));
            return;
        }
        foreach (var path in explanation.Paths)
        {
            output.WriteLine(TerminalText.Line($"{path.Path}: {path.Reason}"));
        }
        foreach (var host in explanation.Hosts)
        {
            output.WriteLine(TerminalText.Line($"{host.Host}: {host.Reason}"));
        }
    }

    private static string ModeName(AccessMode mode) => mode switch
    {
        AccessMode.ReadWrite => "rw",
        AccessMode.ReadOnly => "ro",
        _ => "hidden",
    };
}
