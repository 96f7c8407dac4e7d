using Labd.Egress;
using Labd.Hosting;
using Labd.Policy;
using Labd.Scheduler;

namespace Labd.Runs;

/// <summary>The runs component and its egress proxy in the daemon's container.</summary>
internal static class RunsServices
{
    public static IServiceCollection AddRuns(this IServiceCollection services, LabdSettings settings)
    {
        var options = new RunsOptions
        {
            StateDirectory = settings.StateDir,
            PoolSize = settings.Current.Sandbox.PoolSize,
        };
        var limits = settings.Current.Limits;
        var egressOptions = new EgressOptions
        {
            LogLinesPerSecond = limits.EgressLogLinesPerSecond,
            LogBurst = limits.EgressLogBurst,
            LogBytes = limits.EgressLogBytes,
        };
        return services
            .AddSingleton(options)
            .AddSingleton(egressOptions)
            .AddSingleton<IEgressResolver>(new ConfiguredEgressResolver(settings, egressOptions))
            .AddSingleton(sp => new EgressService(sp.GetRequiredService<IEgressResolver>(), egressOptions, sp.GetRequiredService<ILoggerFactory>()))
            .AddSingleton<IEgressProvider>(sp => new EgressProvider(sp.GetRequiredService<EgressService>(), options.EgressHostAddress))
            .AddSingleton(new GpuInventory(() => settings.Current.Gpus))
            .AddSingleton<ExternalGpus>()
            .AddSingleton(GpuLeases)
            .AddSingleton<RunRegistry>()
            .AddSingleton<RunStore>()
            .AddSingleton<IRunPolicies>(services => services.GetRequiredService<PolicyRegistry>())
            .AddSingleton<RunService>()
            .AddHostedService<RunsStartup>();
    }

    /// <summary>The one lease table; the bypass is the negative control of the GPU-lease tests only.</summary>
    private static GpuLeases GpuLeases(IServiceProvider services)
    {
        var bypassed = Environment.GetEnvironmentVariable("LABD_TEST_GPU_LEASE_BYPASS") == "1";
        if (bypassed)
        {
            RunLog.GpuLeaseBypassed(services.GetRequiredService<ILogger<GpuLeases>>());
        }
        return new GpuLeases(services.GetRequiredService<GpuInventory>(), services.GetRequiredService<ExternalGpus>(), bypassed);
    }
}
