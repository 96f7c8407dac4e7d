using Labd.Protocol;
using Labd.SandboxPolicy;

namespace Labctl.Commands;

/// <summary>What <c>labctl policy explain</c> asks: a policy, paths, hosts and the variables for paths.</summary>
internal sealed record PolicyExplainQuery(string Name, IReadOnlyList<string> Paths, IReadOnlyList<string> Hosts, PolicyVariables Variables)
{
    /// <summary><c>/v1/policies/NAME/explain?path=…&amp;host=…&amp;lab=…</c>.</summary>
    public string Route()
    {
        var parts = Paths.Select(p => "path=" + Uri.EscapeDataString(p))
            .Concat(Hosts.Select(h => "host=" + Uri.EscapeDataString(h)))
            .Concat(Variable("lab", Variables.Lab))
            .Concat(Variable("worktree", Variables.Worktree))
            .Concat(Variable("home", Variables.Home));
        return Routes.PolicyOf(Name) + "/explain?" + string.Join('&', parts);
    }

    private static IEnumerable<string> Variable(string name, string? value) =>
        value is null ? [] : [name + "=" + Uri.EscapeDataString(value)];
}
