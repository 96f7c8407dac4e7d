using System.Collections.Immutable;
using Labd.SandboxPolicy;

namespace Labd.Scheduler;

/// <summary>What a policy lets one run lease: at most <paramref name="Max"/> GPUs, and only
/// <paramref name="Devices"/> when the policy lists them (<c>gpus: [0, 1]</c>; empty: any).</summary>
internal sealed record GpuAllowance(string PolicyName, int Max, ImmutableArray<int> Devices)
{
    public static GpuAllowance Of(SandboxSpec spec) => new(spec.PolicyName, spec.MaxGpus, spec.GpuDevices);

    public static GpuAllowance Of(EffectivePolicy policy) => new(policy.Name, policy.MaxGpus, policy.GpuDevices);

    public bool Permits(int gpu) => Devices.IsDefaultOrEmpty || Devices.Contains(gpu);

    /// <summary>The policy's setting as written, for messages: <c>gpus: 2</c> or <c>gpus: [0, 1]</c>.</summary>
    public string Setting => Devices.IsDefaultOrEmpty ? $"gpus: {Max}" : $"gpus: [{string.Join(", ", Devices)}]";
}
