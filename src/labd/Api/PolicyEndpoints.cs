using Labd.Hosting;
using Labd.Policy;
using Labd.Protocol;
using Labd.SandboxPolicy;
using Labd.Store;

namespace Labd.Api;

/// <summary>
/// <c>/v1/policies</c>: list, show, explain (admins and users: they need it to understand their
/// sandboxes) and reload (admins); <c>POST /v1/labs/{lab}/policy</c> moves a lab to another policy
/// (owner or admin). Agents and experiments get 403: agents never see policy files.
/// </summary>
internal static class PolicyEndpoints
{
    public const string YamlMediaType = "application/yaml";

    public static IEndpointRouteBuilder MapPolicies(this IEndpointRouteBuilder endpoints)
    {
        endpoints.ServiceProvider.GetRequiredService<DaemonInfo>().Capabilities.Add("policies");

        endpoints.MapGet(Routes.Policies, (Caller caller, PolicyRegistry registry) =>
        {
            RequireMember(caller);
            var current = registry.Current;
            var list = new PolicyList(
                current.Generation,
                current.LoadedAt,
                current.Source,
                current.Embedded,
                [.. current.Policies.Values.Select(p => new PolicySummary(p.Name, p.Hash, [.. p.Chain], p.Allow.Length, p.MaxGpus, p.Path))]);
            return Results.Json(list, ProtocolJsonContext.Default.PolicyList);
        });

        endpoints.MapGet(Routes.Policy, (string name, HttpContext context, Caller caller, PolicyRegistry registry) =>
        {
            RequireMember(caller);
            var current = registry.Current;
            var policy = Find(current, name);
            if (WantsYaml(context.Request))
            {
                return Results.Text(policy.CanonicalYaml, YamlMediaType);
            }
            var detail = new PolicyDetail(policy.Name, policy.Hash, [.. policy.Chain], policy.Path, current.Generation, policy.CanonicalYaml);
            return Results.Json(detail, ProtocolJsonContext.Default.PolicyDetail);
        });

        endpoints.MapGet(Routes.PolicyExplain, (string name, HttpContext context, Caller caller, PolicyRegistry registry) =>
        {
            RequireMember(caller);
            var policy = Find(registry.Current, name);
            var query = context.Request.Query;
            var paths = query["path"].OfType<string>().ToList();
            var hosts = query["host"].OfType<string>().ToList();
            if (paths.Count == 0 && hosts.Count == 0)
            {
                throw new LabdException(ErrorCode.BadRequest, $"nothing to explain; add ?path=/some/path or ?host=example.org:443 (repeatable)");
            }
            var variables = new PolicyVariables(query["lab"].FirstOrDefault(), query["worktree"].FirstOrDefault(), query["home"].FirstOrDefault());
            var explanation = new PolicyExplanation(
                policy.Name,
                policy.Hash,
                [.. paths.Select(p => PolicyExplain.Path(policy, p, variables)).Select(e => new PathAnswer(e.Path, ModeName(e.Mode), e.Reason))],
                [.. hosts.Select(h => (Host: h, Decision: PolicyExplain.Host(policy, h))).Select(d => new HostAnswer(d.Host, d.Decision.Allowed, d.Decision.Reason))]);
            return Results.Json(explanation, ProtocolJsonContext.Default.PolicyExplanation);
        });

        endpoints.MapPost(Routes.PoliciesReload, async (HttpContext context, PolicyReloader reloader, LabdSettings settings) =>
        {
            var caller = context.RequireAdmin("reloading policies");
            var outcome = await reloader.ReloadAsync(settings.Current.PolicyDir, new Actor(caller.KindName, caller.Uid), context.RequestAborted).ConfigureAwait(false);
            if (outcome.Result is not { } result)
            {
                var problem = Problems.Create(ErrorCode.PolicyInvalid, outcome.Summary) with { Errors = outcome.Errors };
                return Results.Json(problem, ProtocolJsonContext.Default.Problem, Problem.MediaType, problem.Status);
            }
            return Results.Json(result, ProtocolJsonContext.Default.PolicyReloadResult);
        });
        endpoints.MapPost(Routes.Labs + "/{lab}/policy", async (string lab, HttpContext context, Caller caller, PolicyReloader reloader) =>
        {
            LabPolicyRequest? request;
            try
            {
                request = await System.Text.Json.JsonSerializer.DeserializeAsync(context.Request.Body, ProtocolJsonContext.Default.LabPolicyRequest, context.RequestAborted).ConfigureAwait(false);
            }
            catch (System.Text.Json.JsonException)
            {
                request = null;
            }
            var change = await reloader.SetLabPolicyAsync(caller, lab, request?.Policy, context.RequestAborted).ConfigureAwait(false);
            return Results.Json(change, ProtocolJsonContext.Default.LabPolicyChange);
        });
        return endpoints;
    }

    /// <summary>The policy part of <c>GET /v1/status</c>.</summary>
    public static PolicyStatus Status(PolicyRegistry registry)
    {
        var current = registry.Current;
        var last = registry.LastReload;
        return new PolicyStatus(current.Policies.Count, current.Generation, current.Source, current.Embedded, current.LoadedAt, last?.At, last?.Result);
    }

    public static string ModeName(AccessMode mode) => mode switch
    {
        AccessMode.ReadWrite => "rw",
        AccessMode.ReadOnly => "ro",
        _ => "hidden",
    };

    /// <summary>Admins and users may read policies; agents and experiments never see them.</summary>
    internal static void RequireMember(Caller caller)
    {
        if (caller.Kind is CallerKind.Agent or CallerKind.Experiment)
        {
            throw new LabdException(ErrorCode.Forbidden, "agents and experiments never see policy files; ask the lab's admin or run `labctl policy explain` as a user");
        }
    }

    private static EffectivePolicy Find(PolicySnapshot current, string name) =>
        current.Set.Find(name) ?? throw new LabdException(ErrorCode.PolicyNotFound,
            $"no policy named '{name}'; known: {string.Join(", ", current.Policies.Keys)} (see `labctl policy ls`)");

    private static bool WantsYaml(HttpRequest request) =>
        string.Equals(request.Query["format"], "yaml", StringComparison.OrdinalIgnoreCase)
        || request.GetTypedHeaders().Accept.Any(a => a.MediaType.Equals(YamlMediaType, StringComparison.OrdinalIgnoreCase));
}
