namespace Labd.Api;

/// <summary>What a caller may do. Derived from the socket it came through and its peer credentials.</summary>
internal enum CallerKind
{
    /// <summary>root or a member of the admins group (<c>labd-admin</c>): policy and everyone's work.</summary>
    Admin,

    /// <summary>A member of the users group (<c>labd</c>): their own labs and runs.</summary>
    User,

    /// <summary>An agent inside a sandbox, connected through its per-sandbox socket.</summary>
    Agent,

    /// <summary>An experiment inside a sandbox, connected through its per-sandbox socket.</summary>
    Experiment,
}
