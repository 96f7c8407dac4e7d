using System.CommandLine;
using Labd.SandboxPolicy;

namespace Labctl.Commands;

/// <summary>
/// <c>labctl policy explain NAME --path P | --host H[:port]</c>: what a sandbox under policy NAME
/// sees at a path or may reach, and the rule that decides, using the same layout and matcher
/// as the runtime and the proxy. Reads the policy directory directly (no daemon needed).
/// </summary>
internal static class PolicyExplainCommand
{
    internal const int NotFound = 5;
    internal const int Invalid = 7;

    public static Command Create()
    {
        var name = new Argument<string>("NAME") { Description = "Policy name (file name without .yaml)" };
        var paths = new Option<string[]>("--path") { Description = "A path to explain (repeatable); ${LAB}, ${WORKTREE}, ${HOME} allowed", AllowMultipleArgumentsPerToken = false };
        var hosts = new Option<string[]>("--host") { Description = "A host[:port] to explain (repeatable; port 443 when omitted)" };
        var policies = new Option<string>("--policies")
        {
            Description = "Policy directory",
            DefaultValueFactory = _ => PolicyCheckCommand.DefaultPolicyDirectory,
        };
        var lab = new Option<string?>("--lab") { Description = "Value of ${LAB}" };
        var worktree = new Option<string?>("--worktree") { Description = "Value of ${WORKTREE}" };
        var home = new Option<string?>("--home")
        {
            Description = "Value of ${HOME} (default: your home)",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("HOME"),
        };
        var command = new Command("explain", "Explain what a policy allows at a path or for a host") { name, paths, hosts, policies, lab, worktree, home };
        command.SetAction(parseResult =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            var error = parseResult.InvocationConfiguration.Error;
            var load = PolicySet.LoadDirectory(parseResult.GetValue(policies) ?? PolicyCheckCommand.DefaultPolicyDirectory);
            if (!load.Success)
            {
                foreach (var d in load.Errors)
                {
                    error.WriteLine(d.ToString());
                }

                return Invalid;
            }

            var policyName = parseResult.GetValue(name) ?? "";
            if (load.Set.Find(policyName) is not { } policy)
            {
                error.WriteLine($"no policy named '{policyName}'; known: {string.Join(", ", load.Set.Policies.Keys)}");
                return NotFound;
            }

            var variables = new PolicyVariables(parseResult.GetValue(lab), parseResult.GetValue(worktree), parseResult.GetValue(home));
            var anything = false;
            foreach (var path in parseResult.GetValue(paths) ?? [])
            {
                var e = PolicyExplain.Path(policy, path, variables);
                output.WriteLine($"{e.Path}: {e.Reason}");
                anything = true;
            }

            foreach (var host in parseResult.GetValue(hosts) ?? [])
            {
                output.WriteLine($"{host}: {PolicyExplain.Host(policy, host).Reason}");
                anything = true;
            }

            if (!anything)
            {
                error.WriteLine("nothing to explain; pass --path P or --host H[:port]");
                return 2;
            }

            return 0;
        });
        return command;
    }
}
