using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Labd.Api;
using Labd.Git;
using Labd.Interop;
using Labd.Protocol;
using Labd.Runs;
using Labd.SandboxPolicy;
using Labd.Store;
using LabRow = Labd.Tracker.LabRow;

namespace Labd.Experiments;

/// <summary>
/// The experiments API's model: submission (checks, snapshot, dedupe, queue), reads, cancel
/// and wait. Starting and ending belong to <see cref="ExperimentRunner"/>.
/// </summary>
internal sealed class ExperimentService(
    ExperimentStore experiments,
    ExperimentRunner runner,
    StateStore store,
    RunRegistry registry,
    IRunPolicies policies,
    Agents.AgentStore agents,
    ILogger<ExperimentService> logger) : IDisposable
{
    internal const int MaxTags = 32;
    internal const int MaxTagLength = 64;
    internal const int MaxMeta = 64;
    internal const int MaxMetaKeyLength = 64;
    internal const int MaxMetaValueLength = 1024;
    internal const int MaxCommandBytes = 64 * 1024;
    internal const int LiveBytes = 1 << 20;
    internal const int ProgressBytes = 4096;

    /// <summary>One submission at a time per lab (its sequence numbers and snapshot commits), never
    /// across labs: one tenant hashing a large tree must not hold up another's submit.</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, SemaphoreSlim> _submit = new(StringComparer.Ordinal);

    public void Dispose()
    {
        foreach (var gate in _submit.Values)
        {
            gate.Dispose();
        }
    }

    public async Task<ExperimentRecord> SubmitAsync(Caller caller, string labId, ExperimentSubmitRequest request, CancellationToken cancellationToken)
    {
        var lab = await VisibleLabAsync(caller, labId, cancellationToken).ConfigureAwait(false);
        var command = CheckCommand(request.Command);
        var tags = CheckTags(request.Tags ?? []);
        var meta = CheckMeta(request.Meta ?? new Dictionary<string, string>());
        var priority = CheckPriority(caller, request.Priority ?? 0);
        var gpus = request.Gpus ?? 0;
        var policy = LabPolicy(lab);
        RunTimeout.Check(request.TimeoutSeconds, policy.Limits.Timeout?.Value, policy.Name);
        CheckGpus(gpus, policy.MaxGpus, runner.HostGpuCount(), lab);
        var idea = await experiments.FindIdeaAsync(lab.Id, request.Idea, cancellationToken).ConfigureAwait(false)
            ?? throw new LabdException(ErrorCode.IdeaNotFound, $"lab {lab.Id} has no idea {request.Idea}; see `labctl idea ls`");
        if (idea.Status is "concluded" or "abandoned")
        {
            throw new LabdException(ErrorCode.Conflict, $"idea {request.Idea} is {idea.Status}; reopen it first: `labctl idea reopen {request.Idea}`");
        }
        var (source, sourceOwner) = await SourceAsync(caller, request.SourceDirectory, lab, cancellationToken).ConfigureAwait(false);

        var gate = _submit.GetOrAdd(lab.Id, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var seq = await experiments.NextSeqAsync(lab.Id, request.Idea, cancellationToken).ConfigureAwait(false);
            var label = new ExperimentLabel(request.Idea, seq).ToString();
            string commit;
            using (var repository = LabRepository.Open(lab.Path, lab.OwnerUid))
            {
                commit = repository.Snapshot(source, idea.Branch, sourceOwner, $"{label}: {Shorten(string.Join(' ', command), 200)}");
            }
            var submitter = $"{caller.KindName}:{caller.Scope?.AgentId ?? caller.Uid.ToString(CultureInfo.InvariantCulture)}";
            var fresh = new NewExperiment(lab.Id, request.Idea, commit, command, meta, tags, DedupeKey(commit, command, meta), gpus, request.TimeoutSeconds, priority, submitter, caller.Uid);
            var (record, duplicate) = await experiments.InsertAsync(fresh, request.AllowDuplicate ?? false, cancellationToken).ConfigureAwait(false);
            if (duplicate)
            {
                var metrics = record.Metrics is { Count: > 0 } m ? "; metrics " + string.Join(", ", m.Select(kv => $"{kv.Key}={kv.Value.ToString(CultureInfo.InvariantCulture)}")) : "";
                throw new LabdException(ErrorCode.Conflict, $"the same commit, command and meta were already submitted as {record.Label} (id {record.Id}, {record.Status}{metrics}); see `labctl exp show {record.Label}`, or pass --allow-duplicate to run it anyway");
            }
            ExperimentLog.Submitted(logger, record.Label, record.Id, lab.Id, submitter, string.Join(' ', command));
            await store.AppendEventAsync(new Actor(caller.KindName, caller.Uid), "exp.submit", record.Id.ToString(CultureInfo.InvariantCulture),
                JsonSerializer.Serialize(record, ProtocolJsonContext.Default.ExperimentRecord), cancellationToken).ConfigureAwait(false);
            runner.Wake();
            return record;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>The most a user may raise or lower an experiment's priority; fair share orders equal priorities.</summary>
    internal const int MaxPriority = 1000;

    /// <summary>Priority within ±<see cref="MaxPriority"/>; an agent or experiment may lower its own
    /// work but never raise it above the lab's default (0), which would jump other tenants' queues.</summary>
    internal static int CheckPriority(Caller caller, int priority)
    {
        if (priority is > MaxPriority or < -MaxPriority)
        {
            throw new LabdException(ErrorCode.BadRequest, $"priority {priority} is out of range; give a number from -{MaxPriority} to {MaxPriority} (higher runs first, default 0)");
        }
        if (priority > 0 && caller.Kind is CallerKind.Agent or CallerKind.Experiment)
        {
            throw new LabdException(ErrorCode.Forbidden, $"a sandboxed {caller.KindName} cannot raise an experiment's priority above the lab's default (0); ask the lab's owner to run `labctl exp run --priority {priority}` outside the sandbox");
        }
        return priority;
    }

    public async Task<ExperimentRecord> GetAsync(Caller caller, long id, CancellationToken cancellationToken)
    {
        var record = await experiments.GetAsync(id, cancellationToken).ConfigureAwait(false);
        if (record is null || !await IsVisibleAsync(caller, record.Lab, cancellationToken).ConfigureAwait(false))
        {
            throw new LabdException(ErrorCode.ExperimentNotFound, $"no experiment {id} in your labs; see `labctl exp ls`");
        }
        return record;
    }

    /// <summary>By label within a lab: <c>exp/N.S</c> or <c>N.S</c>.</summary>
    public async Task<ExperimentRecord> GetByLabelAsync(Caller caller, string labId, string label, CancellationToken cancellationToken)
    {
        var lab = await VisibleLabAsync(caller, labId, cancellationToken).ConfigureAwait(false);
        if (!ExperimentLabel.TryParse(label, out var parsed))
        {
            throw new LabdException(ErrorCode.BadRequest, ExperimentLabel.NotALabel(label));
        }
        return await experiments.FindByLabelAsync(lab.Id, parsed.Idea, parsed.Seq, cancellationToken).ConfigureAwait(false)
            ?? throw new LabdException(ErrorCode.ExperimentNotFound, $"lab {lab.Id} has no experiment {parsed}; see `labctl exp ls`");
    }

    public async Task<IReadOnlyList<ExperimentRecord>> ListAsync(Caller caller, string? labId, int? idea, string? status, string? tag, CancellationToken cancellationToken)
    {
        if (labId is not null)
        {
            await VisibleLabAsync(caller, labId, cancellationToken).ConfigureAwait(false);
            return await experiments.ListAsync(labId, null, idea, status, tag, cancellationToken).ConfigureAwait(false);
        }
        if (caller.Scope is { } scope)
        {
            return await experiments.ListAsync(scope.LabId, null, idea, status, tag, cancellationToken).ConfigureAwait(false);
        }
        return await experiments.ListAsync(null, caller.IsAdmin ? null : caller.Uid, idea, status, tag, cancellationToken).ConfigureAwait(false);
    }

    public async Task<ExperimentRecord> CancelAsync(Caller caller, long id, CancellationToken cancellationToken)
    {
        var record = await GetAsync(caller, id, cancellationToken).ConfigureAwait(false);
        if (record.Status == ExperimentRecord.Queued && await experiments.CancelQueuedAsync(id, cancellationToken).ConfigureAwait(false))
        {
            await store.AppendEventAsync(new Actor(caller.KindName, caller.Uid), "exp.cancel", id.ToString(CultureInfo.InvariantCulture), null, cancellationToken).ConfigureAwait(false);
            return await GetAsync(caller, id, cancellationToken).ConfigureAwait(false);
        }
        record = await GetAsync(caller, id, cancellationToken).ConfigureAwait(false);
        if (record.Status != ExperimentRecord.Running)
        {
            throw new LabdException(ErrorCode.Conflict, $"{record.Label} has already ended ({record.Status}); nothing to cancel");
        }
        await store.AppendEventAsync(new Actor(caller.KindName, caller.Uid), "exp.cancel", id.ToString(CultureInfo.InvariantCulture), null, cancellationToken).ConfigureAwait(false);
        await runner.CancelRunningAsync(record, cancellationToken).ConfigureAwait(false);
        return record;
    }

    /// <summary>Blocks until the experiment is terminal: reads the database (so it holds across restarts),
    /// then awaits the next committed event (every end commits its exp.end) and reads again.</summary>
    public async Task<ExperimentRecord> WaitAsync(Caller caller, long id, CancellationToken cancellationToken)
    {
        while (true)
        {
            var next = store.Feed.Next;
            var record = await GetAsync(caller, id, cancellationToken).ConfigureAwait(false);
            if (record.IsTerminal)
            {
                return record;
            }
            await next.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The run of a started experiment (for logs), or null while it is queued.</summary>
    public Run? RunOf(ExperimentRecord record) => record.RunId is { } runId ? registry.Find(runId) : null;

    /// <summary>Complete lines of the live metrics file (its last <see cref="LiveBytes"/> at most, of
    /// the part within the policy's <c>limits.metrics</c>: <see cref="MetricsCap"/>).</summary>
    public string LiveMetrics(ExperimentRecord record)
    {
        if (RunOf(record) is not { } run)
        {
            return "";
        }
        var tail = ReadTail(run.Paths.Metrics, LiveBytes, MetricsCap.Of(run), out var cut);
        var start = cut ? tail.IndexOf('\n', StringComparison.Ordinal) + 1 : 0;
        var end = tail.LastIndexOf('\n') + 1;
        return end > start ? tail[start..end] : "";
    }

    /// <summary>The last non-empty line of the progress file, capped.</summary>
    public string Progress(ExperimentRecord record)
    {
        if (RunOf(record) is not { } run)
        {
            return "";
        }
        var lines = ReadTail(run.Paths.Progress, ProgressBytes, MetricsCap.Of(run), out _).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines.Length > 0 ? lines[^1] : "";
    }

    internal static string DedupeKey(string commit, IReadOnlyList<string> command, SortedDictionary<string, string> meta)
    {
        var text = new StringBuilder();
        text.Append(commit).Append('\0');
        foreach (var arg in command)
        {
            text.Append(arg.Length.ToString(CultureInfo.InvariantCulture)).Append(':').Append(arg).Append('\0');
        }
        foreach (var (key, value) in meta)
        {
            text.Append(key.Length.ToString(CultureInfo.InvariantCulture)).Append(':').Append(key).Append('=')
                .Append(value.Length.ToString(CultureInfo.InvariantCulture)).Append(':').Append(value).Append('\0');
        }
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    internal static IReadOnlyList<string> CheckCommand(IReadOnlyList<string>? command)
    {
        if (command is not { Count: > 0 } || string.IsNullOrEmpty(command[0]))
        {
            throw new LabdException(ErrorCode.BadRequest, "command must be a non-empty argv, e.g. labctl exp run --idea 1 train.py, or -- python3 train.py --lr 0.1");
        }
        if (command.Sum(a => Encoding.UTF8.GetByteCount(a) + 1) > MaxCommandBytes || command.Any(a => a.Contains('\0', StringComparison.Ordinal)))
        {
            throw new LabdException(ErrorCode.BadRequest, $"command must be at most {MaxCommandBytes / 1024} KiB without NUL characters");
        }
        return command;
    }

    internal static IReadOnlyList<string> CheckTags(IReadOnlyList<string> tags)
    {
        if (tags.Count > MaxTags)
        {
            throw new LabdException(ErrorCode.BadRequest, $"at most {MaxTags} tags per experiment");
        }
        foreach (var tag in tags)
        {
            if (tag.Length is 0 or > MaxTagLength || tag.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)))
            {
                throw new LabdException(ErrorCode.BadRequest, $"tag '{Printable(tag)}' must be 1 to {MaxTagLength} characters without spaces or control characters, like --tag baseline");
            }
        }
        return [.. tags.Distinct(StringComparer.Ordinal)];
    }

    internal static SortedDictionary<string, string> CheckMeta(IReadOnlyDictionary<string, string> meta)
    {
        if (meta.Count > MaxMeta)
        {
            throw new LabdException(ErrorCode.BadRequest, $"at most {MaxMeta} meta entries per experiment");
        }
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in meta)
        {
            if (key.Length is 0 or > MaxMetaKeyLength || key.Any(c => char.IsControl(c) || c == '=' || char.IsWhiteSpace(c)))
            {
                throw new LabdException(ErrorCode.BadRequest, $"meta key '{Printable(key)}' must be 1 to {MaxMetaKeyLength} characters without '=', spaces or control characters, like --meta lr=0.1");
            }
            if (value.Length > MaxMetaValueLength || value.Any(char.IsControl))
            {
                throw new LabdException(ErrorCode.BadRequest, $"meta '{key}' must be at most {MaxMetaValueLength} characters without control characters");
            }
            result[key] = value;
        }
        return result;
    }

    /// <summary>
    /// What a submission snapshots, and whose files in it are read: users snapshot the lab's root
    /// (their checkout), an agent its own worktree (files its sandbox user owns, or world-readable);
    /// labd never follows the caller's cwd elsewhere.
    /// </summary>
    private async Task<(string Source, int Owner)> SourceAsync(Caller caller, string? source, LabRow lab, CancellationToken cancellationToken)
    {
        if (caller.Kind != CallerKind.Agent)
        {
            CheckSource(source, lab);
            return (lab.Path, lab.OwnerUid);
        }
        var agent = long.TryParse(caller.Scope?.AgentId, NumberStyles.None, CultureInfo.InvariantCulture, out var id)
            ? await agents.GetAsync(id, cancellationToken).ConfigureAwait(false)
            : null;
        if (agent is null || agent.Lab != lab.Id)
        {
            throw new LabdException(ErrorCode.Forbidden, $"this socket's agent has no worktree in lab {lab.Id}; experiments of an agent run from its own worktree");
        }
        return (agent.Worktree, caller.Uid);
    }

    private static void CheckSource(string? source, LabRow lab)
    {
        if (string.IsNullOrEmpty(source) || !Path.IsPathFullyQualified(source))
        {
            throw new LabdException(ErrorCode.BadRequest, $"sourceDirectory must be an absolute path inside lab {lab.Id} ({lab.Path}); labctl sends its current directory");
        }
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(source));
        var root = Path.TrimEndingDirectorySeparator(lab.Path);
        if (full != root && !full.StartsWith(root + "/", StringComparison.Ordinal))
        {
            throw new LabdException(ErrorCode.BadRequest, $"{full} is not inside lab {lab.Id} ({lab.Path}); run `labctl exp run` from the lab's directory");
        }
    }

    private EffectivePolicy LabPolicy(LabRow lab) =>
        policies.Find(lab.Policy)
            ?? throw new LabdException(ErrorCode.PolicyNotFound, $"lab {lab.Id}'s policy '{lab.Policy}' is not loaded; available: {string.Join(", ", policies.Names)}");

    /// <summary>
    /// A GPU count the scheduler could one day grant: not negative, within the policy's
    /// <c>gpus:</c> (its setting, not a compiled sandbox), and no more than this host has — a
    /// request above that would wait in the queue forever.
    /// </summary>
    internal static void CheckGpus(int gpus, int cap, int host, LabRow lab)
    {
        if (gpus < 0)
        {
            throw new LabdException(ErrorCode.BadRequest, $"--gpus must be 0 or more, not {gpus}");
        }
        if (gpus > cap)
        {
            throw new LabdException(ErrorCode.BadRequest, $"--gpus {gpus} is more than lab {lab.Id}'s policy '{lab.Policy}' allows per run (gpus: {cap})");
        }
        if (gpus > host)
        {
            throw new LabdException(ErrorCode.Conflict, $"this host has {host} GPU{(host == 1 ? "" : "s")}; --gpus {gpus} can never start");
        }
    }

    private async Task<LabRow> VisibleLabAsync(Caller caller, string labId, CancellationToken cancellationToken)
    {
        var lab = await experiments.FindLabAsync(labId, cancellationToken).ConfigureAwait(false);
        if (lab is null || !Visible(caller, lab))
        {
            throw new LabdException(ErrorCode.LabNotFound, $"no lab '{labId}' of yours; see `labctl lab ls`");
        }
        return lab;
    }

    private async Task<bool> IsVisibleAsync(Caller caller, string labId, CancellationToken cancellationToken) =>
        await experiments.FindLabAsync(labId, cancellationToken).ConfigureAwait(false) is { } lab && Visible(caller, lab);

    private static bool Visible(Caller caller, LabRow lab) => Tracker.LabAccess.MaySee(caller, lab);

    /// <summary>Up to <paramref name="max"/> bytes from the end of a target-writable file, opened
    /// without following a symlink; only a regular file is read.</summary>
    /// <summary>The last <paramref name="max"/> bytes of the file's first <paramref name="cap"/> bytes.</summary>
    private static string ReadTail(string path, int max, long cap, out bool cut)
    {
        cut = false;
        try
        {
            if (FileStatus.TypeOwnerLinks(path).Type != TreeOwnership.RegularType)
            {
                return "";
            }
            using var handle = OpenNoFollow.ReadOnly(path);
            var length = Math.Min(RandomAccess.GetLength(handle), cap);
            var start = Math.Max(0, length - max);
            cut = start > 0;
            var buffer = new byte[length - start];
            var read = RandomAccess.Read(handle, buffer, start);
            return Encoding.UTF8.GetString(buffer, 0, read);
        }
        catch (Exception e) when (e is IOException or System.ComponentModel.Win32Exception)
        {
            return "";
        }
    }

    private static string Shorten(string text, int max) => text.Length <= max ? text : text[..max] + "…";

    private static string Printable(string text) => new([.. text.Take(64).Select(c => char.IsControl(c) ? '?' : c)]);
}
