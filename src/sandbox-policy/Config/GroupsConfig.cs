using System.Collections.Immutable;

namespace Labd.SandboxPolicy.Config;

/// <summary>Unix groups that grant access: members of <see cref="Users"/> may use labd, members of <see cref="Admins"/> may administer it.</summary>
public sealed record GroupsConfig(string Users, string Admins)
{
    public static GroupsConfig Default { get; } = new("labd", "labd-admin");

    public static ImmutableArray<string> Keys { get; } = ["users", "admins"];
}
