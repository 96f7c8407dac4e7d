using System.Net.Http.Json;
using System.Text.Json;
using Labd.IntegrationTests.Daemon;
using Labd.Protocol;

namespace Labd.IntegrationTests.Experiments;

/// <summary>
/// A real labd with a policy (worktree rw, no network, at most 2 GPUs per run and per lab),
/// four fake GPUs (mknod'ed nvidia0..3) and labs made the way the tracker would: a git repo
/// owned by the test user plus labs/ideas rows written straight into labd's database.
/// </summary>
internal sealed class ExperimentsBed : LabdBed
{
    public const string PolicyYaml = """
        description: experiments tests
        gpus: 2
        files:
          ${WORKTREE}: rw
        """;

    private ExperimentsBed(Started started)
        : base(started)
    {
    }

    public static async Task<ExperimentsBed> StartAsync(CancellationToken cancellationToken) =>
        new(await LaunchAsync(PolicyYaml, cancellationToken, fakeGpus: 4));

    /// <summary>labd with only the embedded shipped policies, unmodified, and <paramref name="fakeGpus"/> fake GPUs.</summary>
    public static async Task<ExperimentsBed> StartShippedAsync(int fakeGpus, CancellationToken cancellationToken)
    {
        var shipped = ShippedBed.Shipped;
        return new(await LaunchAsync(shipped["default"], cancellationToken, fakeGpus, extraPolicies: _ => shipped.Where(p => p.Key != "default").ToDictionary()));
    }

    /// <summary>A lab <paramref name="id"/> under <paramref name="policy"/> with <paramref name="files"/> committed on main and idea 1 (active) on idea/1.</summary>
    public async Task<string> CreateLabAsync(string id, IReadOnlyDictionary<string, string> files, CancellationToken cancellationToken, string policy = "default")
    {
        var root = await CommitLabRepositoryAsync(id, files, cancellationToken);
        await GitAsync(root, cancellationToken, "branch", "idea/1");
        var commit = (await GitAsync(root, cancellationToken, "rev-parse", "main")).Trim();
        await ChownToOwnerAsync(root, cancellationToken);
        await InsertLabAsync(id, root, policy, cancellationToken, """
            INSERT INTO ideas (lab_id, number, title, status, parents, branch, base_commit, created_by, created_at, updated_at) VALUES ($id, 1, 'first idea', 'active', '[]', 'idea/1', $commit, 'user:0', $at, $at);
            """, ("$commit", commit));
        return root;
    }

    /// <summary>Submits as root (an admin); returns the status code and the body.</summary>
    public async Task<(int Status, string Body)> TrySubmitAsync(string lab, ExperimentSubmitRequest request, CancellationToken cancellationToken)
    {
        using var client = Labd.Client();
        using var response = await client.PostAsJsonAsync(Routes.LabExperiments(lab), request, ProtocolJsonContext.Default.ExperimentSubmitRequest, cancellationToken);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken));
    }

    public async Task<ExperimentRecord> SubmitAsync(string lab, ExperimentSubmitRequest request, CancellationToken cancellationToken)
    {
        var (status, body) = await TrySubmitAsync(lab, request, cancellationToken);
        Assert.True(status == 201, $"submit: {status} {body}\n{Labd.Output}");
        return JsonSerializer.Deserialize(body, ProtocolJsonContext.Default.ExperimentRecord)!;
    }

    public async Task<ExperimentRecord> GetAsync(string route, CancellationToken cancellationToken)
    {
        using var client = Labd.Client();
        client.Timeout = Timeout.InfiniteTimeSpan;
        using var response = await client.GetAsync(route, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        Assert.True(response.IsSuccessStatusCode, $"GET {route}: {(int)response.StatusCode} {body}\n{Labd.Output}");
        return JsonSerializer.Deserialize(body, ProtocolJsonContext.Default.ExperimentRecord)!;
    }

    public Task<ExperimentRecord> WaitAsync(long id, CancellationToken cancellationToken) => GetAsync(Routes.ExperimentWait(id), cancellationToken);

    public async Task<string> GetTextAsync(string route, CancellationToken cancellationToken)
    {
        using var client = Labd.Client();
        return await client.GetStringAsync(route, cancellationToken);
    }

    public async Task<int> PostAsync(string route, CancellationToken cancellationToken)
    {
        using var client = Labd.Client();
        using var response = await client.PostAsync(route, null, cancellationToken);
        return (int)response.StatusCode;
    }
}
