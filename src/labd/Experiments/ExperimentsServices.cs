namespace Labd.Experiments;

/// <summary>Experiments and the GPU scheduler in the daemon's container (after the runs component).</summary>
internal static class ExperimentsServices
{
    public static IServiceCollection AddExperiments(this IServiceCollection services) =>
        services
            .AddSingleton<ExperimentStore>()
            .AddSingleton<ExperimentRunner>()
            .AddSingleton<ExperimentService>()
            .AddHostedService(sp => sp.GetRequiredService<ExperimentRunner>())
            .AddSingleton<Collector>()
            .AddSingleton<Hosting.IReloadable>(sp => sp.GetRequiredService<Collector>())
            .AddHostedService(sp => sp.GetRequiredService<Collector>());
}
