using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Labd.Api;
using Labd.Git;
using Labd.Protocol;
using Labd.Store;

namespace Labd.Tracker;

/// <summary>
/// Ideas: each is a branch <c>idea/&lt;n&gt;</c> made by the Git layer and a row; the number is allocated,
/// the branch created and the row inserted under one write transaction, so a failed branch leaves no row.
/// </summary>
internal sealed class IdeaService(StateStore store, LabAccess access, ILogger<IdeaService> logger)
{
    public const int MaxTitle = 200;
    public const int MaxDescription = 20_000;

    // One idea creation per lab at a time in this process (the SQLite write lock covers other writers).
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _locks = new(StringComparer.Ordinal);

    public async Task<IdeaRecord> CreateAsync(Caller caller, string labId, IdeaNewRequest request, CancellationToken cancellationToken)
    {
        var lab = await access.GetAsync(caller, labId, manage: false, cancellationToken).ConfigureAwait(false);
        var title = (request.Title ?? "").Trim();
        if (title.Length is 0 or > MaxTitle)
        {
            throw new LabdException(ErrorCode.BadRequest, $"an idea needs a title of 1 to {MaxTitle} characters, e.g. `labctl idea new \"cosine schedule\"`");
        }
        var description = request.Description ?? "";
        if (description.Length > MaxDescription)
        {
            throw new LabdException(ErrorCode.BadRequest, $"the description is longer than {MaxDescription} characters; put long text in a note or in the repository");
        }
        var parents = request.Parents ?? [];
        if (parents.Distinct().Count() != parents.Count)
        {
            throw new LabdException(ErrorCode.BadRequest, "a parent is named twice; give each --parent once");
        }
        var gate = _locks.GetOrAdd(labId, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var transaction = connection.BeginTransaction(deferred: false);
            var parentBranches = new List<string>();
            foreach (var parent in parents)
            {
                var branch = await Db.ScalarAsync(connection, transaction, "SELECT branch FROM ideas WHERE lab_id = $lab AND number = $n;", cancellationToken,
                    ("$lab", labId), ("$n", parent)).ConfigureAwait(false) as string
                    ?? throw new LabdException(ErrorCode.IdeaNotFound, $"parent idea {parent} not found in lab '{labId}'; `labctl idea ls` lists them");
                parentBranches.Add(branch);
            }
            var number = (int)(long)(await Db.ScalarAsync(connection, transaction, "SELECT coalesce(max(number), 0) + 1 FROM ideas WHERE lab_id = $lab;", cancellationToken, ("$lab", labId)).ConfigureAwait(false))!;
            string branchName, commit;
            using (var repository = LabRepository.Open(lab.Path, lab.OwnerUid))
            {
                // Branches outlive a lab's rows (`lab rm` keeps them): skip numbers whose branch exists.
                while (repository.TipOf(BranchOf(number)) is not null)
                {
                    number++;
                }
                branchName = BranchOf(number);
                var message = parentBranches.Count < 2
                    ? $"idea {number}: {title}"
                    : $"idea {number}: {title}\n\nMerge of {string.Join(", ", parentBranches)}";
                commit = repository.CreateBranch(branchName, parentBranches, lab.MainBranch, message);
            }
            var now = Db.Now();
            var status = request.Suggest ? IdeaRecord.Suggested : IdeaRecord.Active;
            var actor = TrackerCaller.ActorOf(caller);
            await Db.ExecuteAsync(connection, transaction, """
                INSERT INTO ideas (lab_id, number, title, description, status, parents, branch, base_commit, conclusion, created_by, created_at, updated_at)
                VALUES ($lab, $n, $title, $description, $status, $parents, $branch, $commit, NULL, $by, $at, $at);
                """, cancellationToken,
                ("$lab", labId), ("$n", number), ("$title", title), ("$description", description), ("$status", status),
                ("$parents", JsonSerializer.Serialize(parents, ProtocolJsonContext.Default.IReadOnlyListInt32)),
                ("$branch", branchName), ("$commit", commit), ("$by", actor), ("$at", now)).ConfigureAwait(false);
            await SearchIndex.PutAsync(connection, transaction, labId, SearchIndex.Idea, Db.Text(number), SearchIndex.IdeaText(title, description, null), cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            TrackerLog.IdeaCreated(logger, labId, number, branchName, commit);
            var at = DateTimeOffset.Parse(now, CultureInfo.InvariantCulture);
            var record = new IdeaRecord(number, title, description, status, parents, branchName, commit, null, actor, at, at);
            await store.AppendEventAsync(TrackerCaller.EventActor(caller), "idea.new", Subject(labId, number),
                JsonSerializer.Serialize(record, ProtocolJsonContext.Default.IdeaRecord), cancellationToken).ConfigureAwait(false);
            return record;
        }
        finally
        {
            gate.Release();
        }
    }

    public async Task<IReadOnlyList<IdeaRecord>> ListAsync(Caller caller, string labId, string? status, CancellationToken cancellationToken)
    {
        await access.GetAsync(caller, labId, manage: false, cancellationToken).ConfigureAwait(false);
        if (status is not (null or IdeaRecord.Suggested or IdeaRecord.Active or IdeaRecord.Concluded or IdeaRecord.Abandoned))
        {
            throw new LabdException(ErrorCode.BadRequest, $"status '{status}' is not one of suggested, active, concluded, abandoned");
        }
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await Db.ListAsync(connection, null,
            $"SELECT {IdeaRows.IdeaColumns} FROM ideas WHERE lab_id = $lab AND ($status IS NULL OR status = $status) ORDER BY number;",
            IdeaRows.Idea, cancellationToken, ("$lab", labId), ("$status", status)).ConfigureAwait(false);
    }

    public async Task<IdeaDetail> ShowAsync(Caller caller, string labId, int number, CancellationToken cancellationToken)
    {
        var lab = await access.GetAsync(caller, labId, manage: false, cancellationToken).ConfigureAwait(false);
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var idea = await GetAsync(connection, labId, number, cancellationToken).ConfigureAwait(false);
        var notes = await Db.ListAsync(connection, null, $"SELECT {IdeaRows.NoteColumns} FROM notes WHERE lab_id = $lab AND idea = $n ORDER BY id;",
            IdeaRows.Note, cancellationToken, ("$lab", labId), ("$n", number)).ConfigureAwait(false);
        var counts = await Db.ListAsync(connection, null, "SELECT status, count(*) FROM experiments WHERE lab_id = $lab AND idea = $n GROUP BY status;",
            r => (r.GetString(0), r.GetInt64(1)), cancellationToken, ("$lab", labId), ("$n", number)).ConfigureAwait(false);
        var bests = await BestValues.PerIdeaAsync(connection, lab, lab.Primary, cancellationToken).ConfigureAwait(false);
        return new IdeaDetail(idea, notes, counts.ToDictionary(p => p.Item1, p => p.Item2, StringComparer.Ordinal), lab.Primary.Name,
            bests.TryGetValue(number, out var value) ? value : null);
    }

    /// <summary>conclude (active → concluded, with a conclusion), abandon (suggested|active → abandoned),
    /// reopen (concluded|abandoned → active), activate (suggested → active).</summary>
    public async Task<IdeaRecord> TransitionAsync(Caller caller, string labId, int number, string action, string? text, CancellationToken cancellationToken)
    {
        await access.GetAsync(caller, labId, manage: false, cancellationToken).ConfigureAwait(false);
        var (from, to) = action switch
        {
            "conclude" => (new[] { IdeaRecord.Active }, IdeaRecord.Concluded),
            "abandon" => (new[] { IdeaRecord.Suggested, IdeaRecord.Active }, IdeaRecord.Abandoned),
            "reopen" => (new[] { IdeaRecord.Concluded, IdeaRecord.Abandoned }, IdeaRecord.Active),
            "activate" => (new[] { IdeaRecord.Suggested }, IdeaRecord.Active),
            _ => throw new LabdException(ErrorCode.NotFound, $"unknown idea action '{action}'; use conclude, abandon, reopen or activate"),
        };
        text = string.IsNullOrWhiteSpace(text) ? null : text.Trim();
        if (action == "conclude" && text is null)
        {
            throw new LabdException(ErrorCode.BadRequest, "concluding an idea needs its conclusion: `labctl idea conclude N --conclusion \"what we learned\"`");
        }
        if (text is { Length: > MaxDescription })
        {
            throw new LabdException(ErrorCode.BadRequest, $"the text is longer than {MaxDescription} characters");
        }
        IdeaRecord updated;
        await using (var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false))
        {
            await using var transaction = connection.BeginTransaction(deferred: false);
            var idea = await GetAsync(connection, labId, number, cancellationToken, transaction).ConfigureAwait(false);
            if (!from.Contains(idea.Status))
            {
                throw new LabdException(ErrorCode.Conflict, $"idea {number} is {idea.Status}; {action} applies to {string.Join(" or ", from)} ideas. Allowed: {Allowed(idea.Status)}");
            }
            // The conclusion keeps what was concluded; an abandon reason is kept there too, a reopen keeps the old text.
            var conclusion = action is "conclude" or "abandon" ? text ?? idea.Conclusion : idea.Conclusion;
            var now = Db.Now();
            await Db.ExecuteAsync(connection, transaction, "UPDATE ideas SET status = $status, conclusion = $conclusion, updated_at = $at WHERE lab_id = $lab AND number = $n;", cancellationToken,
                ("$status", to), ("$conclusion", conclusion), ("$at", now), ("$lab", labId), ("$n", number)).ConfigureAwait(false);
            await SearchIndex.PutAsync(connection, transaction, labId, SearchIndex.Idea, Db.Text(number), SearchIndex.IdeaText(idea.Title, idea.Description, conclusion), cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            updated = idea with { Status = to, Conclusion = conclusion, UpdatedAt = DateTimeOffset.Parse(now, CultureInfo.InvariantCulture) };
        }
        await store.AppendEventAsync(TrackerCaller.EventActor(caller), "idea.status", Subject(labId, number),
            JsonSerializer.Serialize(updated, ProtocolJsonContext.Default.IdeaRecord), cancellationToken).ConfigureAwait(false);
        return updated;
    }

    public static string BranchOf(int number) => "idea/" + number.ToString(CultureInfo.InvariantCulture);

    public static string Subject(string lab, int number) => $"lab/{lab}/idea/{number.ToString(CultureInfo.InvariantCulture)}";

    private static string Allowed(string status) => status switch
    {
        IdeaRecord.Suggested => "activate, abandon",
        IdeaRecord.Active => "conclude, abandon",
        _ => "reopen",
    };

    private static async Task<IdeaRecord> GetAsync(Microsoft.Data.Sqlite.SqliteConnection connection, string labId, int number, CancellationToken cancellationToken, Microsoft.Data.Sqlite.SqliteTransaction? transaction = null) =>
        (await Db.ListAsync(connection, transaction, $"SELECT {IdeaRows.IdeaColumns} FROM ideas WHERE lab_id = $lab AND number = $n;",
            IdeaRows.Idea, cancellationToken, ("$lab", labId), ("$n", number)).ConfigureAwait(false)).SingleOrDefault()
        ?? throw new LabdException(ErrorCode.IdeaNotFound, $"idea {number} not found in lab '{labId}'; `labctl idea ls` lists them");
}
