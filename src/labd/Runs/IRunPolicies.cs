using Labd.SandboxPolicy;

namespace Labd.Runs;

/// <summary>The policies runs may start under, by name. The policy registry implements this.</summary>
internal interface IRunPolicies
{
    /// <summary>The current effective policy called <paramref name="name"/>, or null.</summary>
    EffectivePolicy? Find(string name);

    /// <summary>Names of every loaded policy, for "did you mean" messages.</summary>
    IReadOnlyCollection<string> Names { get; }
}
