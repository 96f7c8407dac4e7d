namespace Labd.SandboxPolicy.Tests;

public sealed class GpuTests
{
    [Fact]
    public void A_gpu_count_sets_the_maximum_and_any_device()
    {
        var spec = PolicyCompiler.Compile(TestPolicies.Effective("gpus: 3\n"), PolicyVariables.None).Spec!;

        Assert.Equal(3, spec.MaxGpus);
        Assert.Empty(spec.GpuDevices);
    }

    [Fact]
    public void B8_a_gpu_list_restricts_leases_to_those_host_indices()
    {
        var policy = TestPolicies.Effective("gpus: [3, 1]\n");
        var spec = PolicyCompiler.Compile(policy, PolicyVariables.None).Spec!;

        Assert.Equal(2, spec.MaxGpus);
        Assert.Equal([1, 3], spec.GpuDevices);
        Assert.Contains("gpus: [1, 3]", policy.CanonicalYaml, StringComparison.Ordinal);
    }

    [Fact]
    public void A_child_count_replaces_a_parent_list()
    {
        var set = TestPolicies.Set(("base", "gpus: [1]\n"), ("child", "extends: base\ngpus: 4\n")).Set!;

        Assert.Equal([1], set.Find("base")!.GpuDevices);
        Assert.Empty(set.Find("child")!.GpuDevices);
        Assert.Equal(4, set.Find("child")!.MaxGpus);
    }

    [Theory]
    [InlineData("gpus: [1, 1]\n")]
    [InlineData("gpus: [-1]\n")]
    [InlineData("gpus: [64]\n")]
    [InlineData("gpus: 65\n")]
    [InlineData("gpus: 1.5\n")]
    public void Bad_gpu_settings_are_errors(string yaml) =>
        Assert.Contains(TestPolicies.Parse(yaml).Diagnostics, d => d.IsError && d.Code == DiagnosticCodes.BadGpus);
}
