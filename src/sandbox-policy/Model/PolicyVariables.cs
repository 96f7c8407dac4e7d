namespace Labd.SandboxPolicy;

/// <summary>
/// Values for <c>${LAB}</c>, <c>${WORKTREE}</c> and <c>${HOME}</c>. A null member leaves the
/// variable unexpanded (useful for <c>policy explain</c> without a lab); compiling a
/// <see cref="SandboxSpec"/> requires every variable a rule uses.
/// </summary>
public sealed record PolicyVariables(string? Lab, string? Worktree, string? Home)
{
    public static PolicyVariables None { get; } = new(null, null, null);

    public static IReadOnlyList<string> Names { get; } = ["LAB", "WORKTREE", "HOME"];

    public string? Get(string name) => name switch
    {
        "LAB" => Lab,
        "WORKTREE" => Worktree,
        "HOME" => Home,
        _ => null,
    };
}
