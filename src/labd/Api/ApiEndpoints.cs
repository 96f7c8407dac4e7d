namespace Labd.Api;

/// <summary>
/// Every API area, mapped in one place. A new component adds one line here
/// (e.g. <c>.MapRuns()</c>) with its own <c>XxxEndpoints</c> class.
/// </summary>
internal static class ApiEndpoints
{
    public static IEndpointRouteBuilder MapLabdApi(this IEndpointRouteBuilder endpoints) =>
        endpoints
            .MapVersion()
            .MapStatus()
            .MapSelf()
            .MapEvents()
            .MapPolicies()
            .MapRuns()
            .MapTracker()
            .MapExperiments()
            .MapGpus()
            .MapAgents()
            .MapGuide();
}
