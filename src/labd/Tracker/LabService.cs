using System.Text.Json;
using Labd.Api;
using Labd.Git;
using Labd.Protocol;
using Labd.Runs;
using Labd.Store;

namespace Labd.Tracker;

/// <summary>Labs: register a repository, list, show, remove, declare metric directions, find the lab containing a path.</summary>
internal sealed class LabService(StateStore store, LabAccess access, IRunPolicies policies, TrackerOptions options, ILogger<LabService> logger)
{
    public const string DefaultPolicy = "default";
    public static readonly LabMetric DefaultMetric = new("score", LabMetric.Max);

    public async Task<LabRecord> InitAsync(Caller caller, LabInitRequest request, CancellationToken cancellationToken)
    {
        if (TrackerCaller.IsSandboxed(caller))
        {
            throw new LabdException(ErrorCode.Forbidden, $"a sandboxed {caller.KindName} cannot register labs; the lab's owner runs `labctl lab init` outside the sandbox");
        }
        var path = LabPath.Check(request.Path);
        var owner = LabPath.Owner(path);
        if (!caller.IsAdmin && owner != caller.Uid)
        {
            throw new LabdException(ErrorCode.Forbidden, $"{path} is owned by uid {owner}, not by you (uid {caller.Uid}); register a repository you own");
        }
        if (!LabRepository.IsRepository(path))
        {
            throw new LabdException(ErrorCode.NotARepository, $"{path} is not the root of a git repository; run `git init` there and make a first commit, or pass the repository's top level (`git rev-parse --show-toplevel`)");
        }
        if (LabReach.Problem(path) is { } unreachable)
        {
            throw new LabdException(ErrorCode.BadRequest, unreachable);
        }
        string mainBranch;
        using (var repository = LabRepository.Open(path, owner))
        {
            mainBranch = repository.DetectMainBranch();
        }
        var policy = string.IsNullOrEmpty(request.Policy) ? DefaultPolicy : request.Policy;
        if (policies.Find(policy) is null)
        {
            throw new LabdException(ErrorCode.PolicyNotFound, $"policy '{policy}' not found; loaded: {string.Join(", ", policies.Names.Order(StringComparer.Ordinal))} (`labctl policy ls`)");
        }
        var id = string.IsNullOrEmpty(request.Name) ? LabNames.Slugify(Path.GetFileName(path)) : request.Name;
        if (!LabNames.IsValidId(id))
        {
            throw new LabdException(ErrorCode.BadRequest, $"lab name '{id}' is not valid; use lower-case letters, digits and dashes, starting with a letter or digit, at most 40 (e.g. --name cifar-speedrun)");
        }
        var defaulted = request.Metrics is not { Count: > 0 };
        var metrics = defaulted ? [DefaultMetric] : request.Metrics!.Select(m => LabNames.CheckMetric(m.Name, m.Direction)).ToList();
        if (metrics.Select(m => m.Name).Distinct(StringComparer.Ordinal).Count() != metrics.Count)
        {
            throw new LabdException(ErrorCode.BadRequest, "a metric is named twice; give each metric once, e.g. --metric score:max --metric loss:min");
        }
        var row = new LabRow(id, path, owner, policy, mainBranch, metrics, DateTimeOffset.UtcNow);
        await using (var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false))
        {
            await using var transaction = connection.BeginTransaction(deferred: false);
            if (await Db.ScalarAsync(connection, transaction, "SELECT id FROM labs WHERE path = $path;", cancellationToken, ("$path", path)).ConfigureAwait(false) is string existing)
            {
                throw new LabdException(ErrorCode.Conflict, $"{path} is already registered as lab '{existing}'; see `labctl lab show {existing}`");
            }
            if (await Db.ScalarAsync(connection, transaction, "SELECT 1 FROM labs WHERE id = $id;", cancellationToken, ("$id", id)).ConfigureAwait(false) is not null)
            {
                throw new LabdException(ErrorCode.Conflict, $"a lab named '{id}' already exists; choose another with --name");
            }
            await Db.ExecuteAsync(connection, transaction,
                "INSERT INTO labs (id, path, owner_uid, policy, main_branch, metrics, created_at) VALUES ($id, $path, $owner, $policy, $main, $metrics, $at);",
                cancellationToken,
                ("$id", id), ("$path", path), ("$owner", owner), ("$policy", policy), ("$main", mainBranch),
                ("$metrics", JsonSerializer.Serialize<IReadOnlyList<LabMetric>>(metrics, ProtocolJsonContext.Default.IReadOnlyListLabMetric)),
                ("$at", Db.Format(row.CreatedAt))).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        // A directory left by a removal labd did not finish belongs to no lab now.
        DeleteLabDirectory(id);
        bool created;
        try
        {
            created = LabPrompt.Scaffold(path, id, metrics, owner, LabPath.PrimaryGid(owner));
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            TrackerLog.PromptFailed(logger, id, e.Message);
            created = false;
        }
        await store.AppendEventAsync(TrackerCaller.EventActor(caller), "lab.init", Subject(id),
            JsonSerializer.Serialize(row.ToRecord(), ProtocolJsonContext.Default.LabRecord), cancellationToken).ConfigureAwait(false);
        TrackerLog.LabRegistered(logger, id, path, owner);
        return row.ToRecord(promptCreated: created, defaultMetrics: defaulted);
    }

    public async Task<IReadOnlyList<LabRecord>> ListAsync(Caller caller, CancellationToken cancellationToken) =>
        [.. (await access.ListAsync(caller, cancellationToken).ConfigureAwait(false)).Select(l => l.ToRecord() with { Problem = LabReach.Problem(l.Path) })];

    public async Task<LabRecord> ShowAsync(Caller caller, string id, CancellationToken cancellationToken)
    {
        var lab = await access.GetAsync(caller, id, manage: false, cancellationToken).ConfigureAwait(false);
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var ideas = await Db.ListAsync(connection, null, "SELECT status, count(*) FROM ideas WHERE lab_id = $lab GROUP BY status;",
            r => (r.GetString(0), r.GetInt64(1)), cancellationToken, ("$lab", id)).ConfigureAwait(false);
        var experiments = await Db.ListAsync(connection, null, "SELECT status, count(*) FROM experiments WHERE lab_id = $lab GROUP BY status;",
            r => (r.GetString(0), r.GetInt64(1)), cancellationToken, ("$lab", id)).ConfigureAwait(false);
        return lab.ToRecord(new LabCounts(
            ideas.ToDictionary(p => p.Item1, p => p.Item2, StringComparer.Ordinal),
            experiments.ToDictionary(p => p.Item1, p => p.Item2, StringComparer.Ordinal)));
    }

    /// <summary>Forgets a lab: its rows (cascading) and labd's own directory. The repository and its branches stay.</summary>
    public async Task RemoveAsync(Caller caller, string id, CancellationToken cancellationToken)
    {
        var lab = await access.GetAsync(caller, id, manage: true, cancellationToken).ConfigureAwait(false);
        await using (var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false))
        {
            await using var transaction = connection.BeginTransaction(deferred: false);
            var busy = (long)(await Db.ScalarAsync(connection, transaction, "SELECT count(*) FROM experiments WHERE lab_id = $lab AND status IN ('queued', 'running');", cancellationToken, ("$lab", id)).ConfigureAwait(false) ?? 0L);
            if (busy > 0)
            {
                throw new LabdException(ErrorCode.Conflict, $"lab '{id}' has {busy} queued or running experiments; cancel them first (`labctl exp ls --lab {id}`)");
            }
            await Db.ExecuteAsync(connection, transaction, "DELETE FROM search_index WHERE lab_id = $lab;", cancellationToken, ("$lab", id)).ConfigureAwait(false);
            await Db.ExecuteAsync(connection, transaction, "DELETE FROM labs WHERE id = $lab;", cancellationToken, ("$lab", id)).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        DeleteLabDirectory(id);
        await store.AppendEventAsync(TrackerCaller.EventActor(caller), "lab.rm", Subject(id),
            JsonSerializer.Serialize(lab.ToRecord(), ProtocolJsonContext.Default.LabRecord), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Adds a metric or changes its direction.</summary>
    public async Task<LabRecord> SetMetricAsync(Caller caller, string id, LabMetricRequest request, CancellationToken cancellationToken)
    {
        var metric = LabNames.CheckMetric(request.Name, request.Direction);
        await access.GetAsync(caller, id, manage: true, cancellationToken).ConfigureAwait(false);
        LabRow updated;
        await using (var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false))
        {
            await using var transaction = connection.BeginTransaction(deferred: false);
            var lab = (await Db.ListAsync(connection, transaction, $"SELECT {LabRow.Columns} FROM labs WHERE id = $id;", LabRow.Read, cancellationToken, ("$id", id)).ConfigureAwait(false)).SingleOrDefault()
                ?? throw LabAccess.NotFound(id);
            var metrics = lab.Metrics.ToList();
            var index = metrics.FindIndex(m => m.Name == metric.Name);
            if (index >= 0)
            {
                metrics[index] = metric;
            }
            else
            {
                metrics.Add(metric);
            }
            await Db.ExecuteAsync(connection, transaction, "UPDATE labs SET metrics = $metrics WHERE id = $id;", cancellationToken,
                ("$id", id), ("$metrics", JsonSerializer.Serialize<IReadOnlyList<LabMetric>>(metrics, ProtocolJsonContext.Default.IReadOnlyListLabMetric))).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            updated = lab with { Metrics = metrics };
        }
        await store.AppendEventAsync(TrackerCaller.EventActor(caller), "lab.metric", Subject(id),
            JsonSerializer.Serialize(request, ProtocolJsonContext.Default.LabMetricRequest), cancellationToken).ConfigureAwait(false);
        return updated.ToRecord();
    }

    /// <summary>The lab whose repository, or labd's directory for it, is the longest prefix of <paramref name="path"/>.</summary>
    public async Task<LabRef> ResolveAsync(Caller caller, string? path, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(path) || !Path.IsPathFullyQualified(path))
        {
            throw new LabdException(ErrorCode.BadRequest, $"path must be absolute, got '{path}'");
        }
        var full = LabPath.Normalize(path);
        LabRow? best = null;
        var bestLength = -1;
        foreach (var lab in await access.ListAsync(caller, cancellationToken).ConfigureAwait(false))
        {
            foreach (var root in new[] { lab.Path, options.LabDirectory(lab.Id) })
            {
                if (LabPath.Contains(root, full) && root.Length > bestLength)
                {
                    best = lab;
                    bestLength = root.Length;
                }
            }
        }
        return best is null
            ? throw new LabdException(ErrorCode.LabNotFound, $"no lab contains {full}; pass --lab NAME, cd into a lab (`labctl lab ls`), or register one with `labctl lab init PATH`")
            : new LabRef(best.Id, best.Path);
    }

    public static string Subject(string id) => "lab/" + id;

    private void DeleteLabDirectory(string id)
    {
        // Agents' worktrees are in there, and a running agent may swap their entries: by descriptor.
        Experiments.TreeRemoval.Delete(options.LabDirectory(id));
    }
}
