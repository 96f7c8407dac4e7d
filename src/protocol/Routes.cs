namespace Labd.Protocol;

/// <summary>API routes, shared by labd and labctl. Everything lives under <see cref="Prefix"/>.</summary>
public static class Routes
{
    public const string Prefix = "/v1";
    public const string Version = Prefix + "/version";
    public const string Status = Prefix + "/status";
    public const string Events = Prefix + "/events";

    /// <summary><c>GET</c>: the event stream (<c>text/event-stream</c>) of what the caller may see, filtered by
    /// <paramref name="lab"/> and <paramref name="kinds"/> (a kind or a prefix before a dot: <c>exp</c>,
    /// <c>exp.end</c>), after event <paramref name="since"/> (else the last <paramref name="tail"/>, or, following,
    /// only new ones); <paramref name="follow"/> keeps it open for what happens next.</summary>
    public static string EventsOf(string? lab = null, IReadOnlyList<string>? kinds = null, long? since = null, int? tail = null, bool follow = false) =>
        Events + Query(
            ("lab", lab),
            ("kind", kinds is { Count: > 0 } ? string.Join(',', kinds) : null),
            ("since", since?.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("tail", tail?.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("follow", follow ? "true" : null));

    /// <summary>Who the caller is (and, on a sandbox's socket, its lab, agent and run).</summary>
    public const string Self = Prefix + "/self";
    public const string Policies = Prefix + "/policies";
    public const string Policy = Policies + "/{name}";
    public const string PolicyExplain = Policy + "/explain";
    public const string PoliciesReload = Policies + "/reload";

    /// <summary><see cref="Policy"/> for one name (escaped).</summary>
    public static string PolicyOf(string name) => Policies + "/" + Uri.EscapeDataString(name);
    public const string Runs = Prefix + "/runs";

    public static string Run(string id) => Runs + "/" + Uri.EscapeDataString(id);

    public static string RunLogs(string id, bool follow) => Run(id) + "/logs" + (follow ? "?follow=true" : "");

    public static string RunWait(string id) => Run(id) + "/wait";

    public static string RunCancel(string id) => Run(id) + "/cancel";

    public static string RunEgress(string id) => Run(id) + "/egress";

    public const string Labs = Prefix + "/labs";

    /// <summary><c>GET</c> with <c>?path=DIR</c>: the lab containing DIR, as <see cref="LabRef"/>.</summary>
    public const string LabResolve = Labs + "/resolve";

    public static string Lab(string id) => Labs + "/" + Uri.EscapeDataString(id);

    /// <summary>POST: move a lab to another loaded policy (owner or admin).</summary>
    public static string LabPolicy(string id) => Lab(id) + "/policy";

    public static string LabResolveOf(string path) => LabResolve + "?path=" + Uri.EscapeDataString(path);

    // Tracker: ideas, notes, tags, messages, search, leaderboard, orient, progress of one lab.
    public static string LabMetrics(string lab) => Lab(lab) + "/metrics";

    public static string LabIdeas(string lab, string? status = null) => Lab(lab) + "/ideas" + (status is null ? "" : "?status=" + Uri.EscapeDataString(status));

    public static string LabIdea(string lab, int number) => Lab(lab) + "/ideas/" + number.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>POST: conclude, abandon, reopen or activate an idea.</summary>
    public static string LabIdeaAction(string lab, int number, string action) => LabIdea(lab, number) + "/" + Uri.EscapeDataString(action);

    public static string LabNotes(string lab, int? idea = null, string? level = null) => Lab(lab) + "/notes" + Query(("idea", idea?.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("level", level));

    public static string LabTags(string lab) => Lab(lab) + "/tags";

    public static string LabTagRename(string lab) => LabTags(lab) + "/rename";

    public static string LabMessages(string lab, bool unread = false) => Lab(lab) + "/messages" + (unread ? "?unread=true" : "");

    /// <summary><c>GET</c>: blocks until an unread message addressed to the caller arrives (or <c>timeoutSeconds</c>,
    /// default 600, at most 3600, pass); answers those messages, marked read, or an empty list on timeout.</summary>
    public static string LabMessagesWait(string lab, int? timeoutSeconds = null) =>
        Lab(lab) + "/messages/wait" + Query(("timeoutSeconds", timeoutSeconds?.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    public static string LabSearch(string lab, string text, int? limit = null) => Lab(lab) + "/search" + Query(("q", text), ("limit", limit?.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    public static string LabLeaderboard(string lab, string? metric = null, string? tag = null, int? limit = null, int? idea = null) =>
        Lab(lab) + "/leaderboard" + Query(("metric", metric), ("tag", tag), ("limit", limit?.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("idea", idea?.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    public static string LabOrient(string lab) => Lab(lab) + "/orient";

    public static string LabProgress(string lab, string? metric = null) => Lab(lab) + "/progress" + Query(("metric", metric));

    private static string Query(params (string Name, string? Value)[] pairs)
    {
        var present = pairs.Where(p => p.Value is not null).Select(p => p.Name + "=" + Uri.EscapeDataString(p.Value!)).ToList();
        return present.Count == 0 ? "" : "?" + string.Join('&', present);
    }
    /// <summary><c>POST</c>: submit an experiment in a lab; <c>GET</c>: list them (<c>?idea=&amp;status=&amp;tag=</c>).</summary>
    public static string LabExperiments(string lab) => Lab(lab) + "/experiments";

    /// <summary>An experiment by its label's <c>N.S</c> (from <c>exp/N.S</c>) within a lab.</summary>
    public static string LabExperiment(string lab, string ideaDotSeq) => LabExperiments(lab) + "/" + Uri.EscapeDataString(ideaDotSeq);

    public const string Experiments = Prefix + "/experiments";

    /// <summary>The experiments the caller may see in <paramref name="lab"/> (null: all its labs) with <paramref name="status"/>.</summary>
    public static string ExperimentsOf(string? lab, string? status) => Experiments + Query(("lab", lab), ("status", status));

    public static string Experiment(long id) => Experiments + "/" + id.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static string ExperimentWait(long id) => Experiment(id) + "/wait";

    public static string ExperimentCancel(long id) => Experiment(id) + "/cancel";

    public static string ExperimentLogs(long id, bool follow) => Experiment(id) + "/logs" + (follow ? "?follow=true" : "");

    public static string ExperimentMetrics(long id) => Experiment(id) + "/metrics";

    public static string ExperimentProgress(long id) => Experiment(id) + "/progress";

    public const string Gpus = Prefix + "/gpus";

    /// <summary><c>POST</c>: start an agent (<see cref="AgentStartRequest"/>); <c>GET</c>: list them (<c>?lab=</c>).
    /// Never served on a sandbox's socket: agents do not start, list or stop agents.</summary>
    public const string Agents = Prefix + "/agents";

    public static string AgentsOf(string? lab) => Agents + Query(("lab", lab));

    public static string Agent(long id) => Agents + "/" + id.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static string AgentStop(long id) => Agent(id) + "/stop";

    /// <summary><c>GET</c>: NDJSON of <see cref="RunEgressDecision"/>, one turn's (default the latest that ran).</summary>
    public static string AgentEgress(long id, int? turn = null) =>
        Agent(id) + "/egress" + Query(("turn", turn?.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    /// <summary>NDJSON lines of the agent's turns' output (<c>?follow=true&amp;turn=N&amp;tail=N</c>).</summary>
    public static string AgentLogs(long id, bool follow, int? turn = null, int? tail = null) =>
        Agent(id) + "/logs" + Query(("follow", follow ? "true" : null), ("turn", turn?.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("tail", tail?.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    /// <summary>labd's API guide for agents (text/markdown): what to call first, the metrics contract, how to wait.</summary>
    public const string Guide = Prefix + "/guide";

    /// <summary>Host name used in request URIs over the Unix socket; labd ignores it.</summary>
    public const string Host = "labd";
}
