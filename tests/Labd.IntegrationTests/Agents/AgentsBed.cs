using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Labd.IntegrationTests.Daemon;
using Labd.Protocol;
using Microsoft.Data.Sqlite;

namespace Labd.IntegrationTests.Agents;

/// <summary>
/// A real labd whose default policy gives an agent its worktree (rw) and the test's bin directory
/// (ro: labctl there is the JIT build, run by the host's dotnet under /usr), and labs made the way
/// the tracker would: a git repository owned by the test user plus a labs row written straight
/// into labd's database. Agents are started as root (an admin) through the HTTP API.
/// </summary>
internal sealed class AgentsBed : LabdBed
{
    private AgentsBed(Started started)
        : base(started)
    {
    }

    /// <summary>labctl as the agent runs it inside its sandbox.</summary>
    public static string LabctlPath => Path.Combine(BinDirectory, "labctl");

    public static string BinDirectory => Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory);

    /// <summary>The checkout the tests run from (shipped policies are read from its policies/).</summary>
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>Where agent <paramref name="id"/> of <paramref name="lab"/> has its worktree.</summary>
    public string WorktreeOf(string lab, long id) => Path.Combine(Labd.StateDir, "labs", lab, "agents", id.ToString(CultureInfo.InvariantCulture), "worktree");

    /// <summary>Starts labd with the default policy plus <paramref name="extraPolicies"/> (name → YAML, given the state dir)
    /// and <paramref name="extraConfig"/> (given the test directory) appended to labd.yaml.</summary>
    public static async Task<AgentsBed> StartAsync(CancellationToken cancellationToken, Func<string, IReadOnlyDictionary<string, string>>? extraPolicies = null, Func<string, string>? extraConfig = null) =>
        new(await LaunchAsync(PolicyYaml(), cancellationToken, extraPolicies: dir => extraPolicies?.Invoke(dir["state"]), extraConfig: dir => extraConfig?.Invoke(dir.Path)));

    /// <summary>The worktree writable, the test's binaries readable, nothing else; <paramref name="extraRule"/> adds one file rule.</summary>
    public static string PolicyYaml(string? extraRule = null) => $$"""
        description: agents tests
        files:
          ${WORKTREE}: rw
          {{BinDirectory}}: ro
        {{(extraRule is null ? "" : "  " + extraRule)}}
        """;

    /// <summary>A lab <paramref name="id"/> under policy <paramref name="policy"/> with <paramref name="files"/> committed on main.</summary>
    public async Task<string> CreateLabAsync(string id, IReadOnlyDictionary<string, string> files, CancellationToken cancellationToken, string policy = "default")
    {
        var root = await CommitLabRepositoryAsync(id, files, cancellationToken);
        await ChownToOwnerAsync(root, cancellationToken);
        await InsertLabAsync(id, root, policy, cancellationToken);
        return root;
    }

    /// <summary>Commits everything in the lab's working tree onto main (as root, then handed back to the owner), as the user would.</summary>
    public async Task CommitAllAsync(string root, string message, CancellationToken cancellationToken)
    {
        await GitAsync(root, cancellationToken, "add", "-A");
        await GitAsync(root, cancellationToken, "commit", "-q", "-m", message);
        await ChownToOwnerAsync(root, cancellationToken);
    }

    /// <summary>Writes a file into the lab's working tree, owned by the lab's owner (not committed).</summary>
    public async Task WriteLabFileAsync(string root, string name, string text, CancellationToken cancellationToken)
    {
        await File.WriteAllTextAsync(Path.Combine(root, name), text, cancellationToken);
        await ChownToOwnerAsync(root, cancellationToken);
    }

    /// <summary>The real labctl as the labs' owner (<see cref="TestAccounts.User"/>), in /tmp.</summary>
    public Task<(int ExitCode, string Stdout, string Stderr)> LabctlAsync(CancellationToken cancellationToken, params string[] args) =>
        Tracker.TrackerBed.AsUserAsync(TestAccounts.User, "/tmp", LabctlPath, ["--socket", Labd.SocketPath, .. args], cancellationToken);

    public async Task<(int Status, string Body)> TryStartAsync(AgentStartRequest request, CancellationToken cancellationToken)
    {
        using var client = Labd.Client();
        using var response = await client.PostAsJsonAsync(Routes.Agents, request, ProtocolJsonContext.Default.AgentStartRequest, cancellationToken);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken));
    }

    public async Task<AgentRecord> StartAgentAsync(AgentStartRequest request, CancellationToken cancellationToken)
    {
        var (status, body) = await TryStartAsync(request, cancellationToken);
        Assert.True(status == 201, $"start: {status} {body}\n{Labd.Output}");
        return JsonSerializer.Deserialize(body, ProtocolJsonContext.Default.AgentRecord)!;
    }

    /// <summary>A custom agent whose every turn runs <paramref name="script"/> with sh.</summary>
    public Task<AgentRecord> StartScriptAsync(string lab, string script, CancellationToken cancellationToken, int? intervalSeconds = null, int? maxTurns = null) =>
        StartAgentAsync(new AgentStartRequest(lab, null, ["/bin/sh", "-c", script], null, intervalSeconds, maxTurns, null, null), cancellationToken);

    public async Task<AgentRecord> ShowAsync(long id, CancellationToken cancellationToken)
    {
        using var client = Labd.Client();
        var body = await client.GetStringAsync(Routes.Agent(id), cancellationToken);
        return JsonSerializer.Deserialize(body, ProtocolJsonContext.Default.AgentRecord)!;
    }

    public async Task<AgentRecord> StopAsync(long id, CancellationToken cancellationToken, int? graceSeconds = null)
    {
        using var client = Labd.Client();
        using var response = graceSeconds is null
            ? await client.PostAsync(Routes.AgentStop(id), null, cancellationToken)
            : await client.PostAsJsonAsync(Routes.AgentStop(id), new AgentStopRequest(graceSeconds), ProtocolJsonContext.Default.AgentStopRequest, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        Assert.True((int)response.StatusCode == 202, $"stop: {(int)response.StatusCode} {body}\n{Labd.Output}");
        return JsonSerializer.Deserialize(body, ProtocolJsonContext.Default.AgentRecord)!;
    }

    /// <summary>Polls until the agent has ended (stopped, finished, failed).</summary>
    public async Task<AgentRecord> WaitEndedAsync(long id, CancellationToken cancellationToken)
    {
        while (true)
        {
            var agent = await ShowAsync(id, cancellationToken);
            if (agent.Status is not (AgentRecord.Running or AgentRecord.Stopping))
            {
                return agent;
            }
            await Task.Delay(200, cancellationToken);
        }
    }

    /// <summary>Polls until <paramref name="condition"/> holds for the agent.</summary>
    public async Task<AgentRecord> WaitUntilAsync(long id, Func<AgentRecord, bool> condition, CancellationToken cancellationToken)
    {
        while (true)
        {
            var agent = await ShowAsync(id, cancellationToken);
            if (condition(agent))
            {
                return agent;
            }
            Assert.True(agent.Status is AgentRecord.Running or AgentRecord.Stopping, $"agent {id} ended early: {agent.Status} {agent.Reason}\n{Labd.Output}");
            await Task.Delay(100, cancellationToken);
        }
    }

    /// <summary>The agent's logs (NDJSON) as lines of text, one turn or all.</summary>
    public async Task<IReadOnlyList<AgentLogLine>> LogsAsync(long id, CancellationToken cancellationToken, int? turn = null, int? tail = null, bool follow = false)
    {
        using var client = Labd.Client();
        client.Timeout = Timeout.InfiniteTimeSpan;
        using var response = await client.GetAsync(Routes.AgentLogs(id, follow, turn, tail), cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        Assert.True(response.IsSuccessStatusCode, $"logs: {(int)response.StatusCode} {body}");
        return [.. body.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonSerializer.Deserialize(l, ProtocolJsonContext.Default.AgentLogLine)!)];
    }

    public async Task<T> GetAsync<T>(string route, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, CancellationToken cancellationToken)
    {
        using var client = Labd.Client();
        var body = await client.GetStringAsync(route, cancellationToken);
        return JsonSerializer.Deserialize(body, type)!;
    }

    /// <summary>The kinds of the agent.* events about agent <paramref name="id"/>, oldest first.</summary>
    public IReadOnlyList<string> EventKinds(long id) => [.. Events(id).Select(e => e.Kind)];

    /// <summary>The agent.* events about agent <paramref name="id"/> (kind, data), oldest first.</summary>
    public IReadOnlyList<(string Kind, string? Data)> Events(long id)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(Labd.StateDir, "labd.db")};Pooling=False;Mode=ReadOnly");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT kind, data FROM events WHERE subject = $id AND kind LIKE 'agent.%' ORDER BY id";
        command.Parameters.AddWithValue("$id", id.ToString(CultureInfo.InvariantCulture));
        using var reader = command.ExecuteReader();
        var events = new List<(string, string?)>();
        while (reader.Read())
        {
            events.Add((reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1)));
        }
        return events;
    }

    /// <summary>The run directory of a turn.</summary>
    public string RunDirectory(string runId) => Path.Combine(Labd.StateDir, "runs", runId);

    public override async ValueTask DisposeAsync()
    {
        // Stop what is still running, so no sandbox outlives the test.
        try
        {
            using var client = Labd.Client();
            var agents = JsonSerializer.Deserialize(await client.GetStringAsync(Routes.Agents), ProtocolJsonContext.Default.IReadOnlyListAgentRecord) ?? [];
            foreach (var agent in agents.Where(a => a.Status == AgentRecord.Running))
            {
                using var response = await client.PostAsync(Routes.AgentStop(agent.Id), null);
            }
            foreach (var agent in agents.Where(a => a.Status == AgentRecord.Running))
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                await WaitEndedAsync(agent.Id, timeout.Token);
            }
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or JsonException)
        {
        }
        await base.DisposeAsync();
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Labd.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("no Labd.sln above " + AppContext.BaseDirectory);
    }
}
