using Labd.Egress;
using Labd.Hosting;
using Labd.Policy;

namespace Labd.Runs;

/// <summary>The runs component and its egress proxy in the daemon's container.</summary>
internal static class RunsServices
{
    public static IServiceCollection AddRuns(this IServiceCollection services, LabdSettings settings)
    {
        var options = new RunsOptions
        {
            StateDirectory = settings.StateDir,
            GpuDeviceDirectory = settings.Current.Gpus.DeviceDir,
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
            .AddSingleton<RunRegistry>()
            .AddSingleton<RunStore>()
            .AddSingleton<IRunPolicies>(services => services.GetRequiredService<PolicyRegistry>())
            .AddSingleton<RunService>()
            .AddHostedService<RunsStartup>();
    }
}
