namespace Labd.Agents;

/// <summary>Agent sessions in the daemon's container (after the runs, tracker and experiments components).</summary>
internal static class AgentsServices
{
    public static IServiceCollection AddAgents(this IServiceCollection services) =>
        services
            .AddSingleton<AgentStore>()
            .AddSingleton<AgentWorktrees>()
            .AddSingleton<AgentRunner>()
            .AddSingleton<AgentService>()
            .AddHostedService(sp => sp.GetRequiredService<AgentRunner>());
}
