using Labd.Api;
using Microsoft.AspNetCore.Http;

namespace Labd.Tests.Agents;

/// <summary>Agents never start, list, show or stop agents through their own socket; they may ask
/// which lab contains their worktree (answered with their own lab only) and follow the event stream
/// (which shows them their own lab's events only).</summary>
public sealed class SandboxAgentRoutesTests
{
    private static readonly Caller Agent = new(CallerKind.Agent, 1500, 1500, 42, "labd-sbx-1", new CallerScope("lab-a", "7", "run1") { Role = "default" });
    private static readonly Caller Experiment = new(CallerKind.Experiment, 1501, 1501, 43, "labd-sbx-2", new CallerScope("lab-a", null, "run2"));

    [Theory]
    [InlineData("/v1/agents")]
    [InlineData("/v1/agents/7")]
    [InlineData("/v1/agents/7/stop")]
    [InlineData("/v1/agents/7/logs")]
    [InlineData("/v1/agents/8/logs")]
    public void The_agents_API_is_not_served_on_an_agents_or_experiments_socket(string path)
    {
        Assert.False(SandboxCallerRules.Allows(Agent, new PathString(path)));
        Assert.False(SandboxCallerRules.Allows(Experiment, new PathString(path)));
    }

    [Fact]
    public void An_agent_may_resolve_its_worktree_to_its_lab_an_experiment_may_not()
    {
        Assert.True(SandboxCallerRules.Allows(Agent, new PathString("/v1/labs/resolve")));
        Assert.False(SandboxCallerRules.Allows(Experiment, new PathString("/v1/labs/resolve")));
        Assert.False(SandboxCallerRules.Allows(Agent, new PathString("/v1/labs/resolve/x")));
    }

    [Fact]
    public void An_agent_may_follow_the_event_stream_an_experiment_may_not()
    {
        Assert.True(SandboxCallerRules.Allows(Agent, new PathString("/v1/events")));
        Assert.False(SandboxCallerRules.Allows(Experiment, new PathString("/v1/events")));
        Assert.False(SandboxCallerRules.Allows(Agent, new PathString("/v1/events/x")));
    }
}
