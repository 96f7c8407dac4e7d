using Labd.Hosting;
using Labd.Protocol;
using Labd.SandboxPolicy;

namespace Labd.Runs;

/// <summary>
/// Temporary <see cref="IRunPolicies"/>: the policy directory (<c>policyDir</c>, default
/// /etc/labd/policies) loaded once at first use. Replaced by the policy registry, which reloads.
/// </summary>
internal sealed class DirectoryRunPolicies(LabdSettings settings) : IRunPolicies
{
    private readonly Lazy<PolicySet> _set = new(() => Load(settings.Current.PolicyDir));

    public EffectivePolicy? Find(string name) => _set.Value.Find(name);

    public IReadOnlyCollection<string> Names => [.. _set.Value.Policies.Keys];

    private static PolicySet Load(string directory)
    {
        var result = PolicySet.LoadDirectory(directory);
        if (result.Set is { } set)
        {
            return set;
        }
        var errors = string.Join("; ", result.Errors.Select(e => e.ToString()));
        throw new LabdException(ErrorCode.PolicyInvalid, $"cannot load the policies in {directory}: {errors}; fix the files (`labctl policy check {directory}/*.yaml`) or install the shipped ones from policies/, then restart labd");
    }
}
