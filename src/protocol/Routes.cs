namespace Labd.Protocol;

/// <summary>API routes, shared by labd and labctl. Everything lives under <see cref="Prefix"/>.</summary>
public static class Routes
{
    public const string Prefix = "/v1";
    public const string Version = Prefix + "/version";
    public const string Status = Prefix + "/status";
    public const string Events = Prefix + "/events";
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

    public static string LabResolveOf(string path) => LabResolve + "?path=" + Uri.EscapeDataString(path);

    /// <summary><c>POST</c>: submit an experiment in a lab; <c>GET</c>: list them (<c>?idea=&amp;status=&amp;tag=</c>).</summary>
    public static string LabExperiments(string lab) => Lab(lab) + "/experiments";

    /// <summary>An experiment by its label's <c>N.S</c> (from <c>exp/N.S</c>) within a lab.</summary>
    public static string LabExperiment(string lab, string ideaDotSeq) => LabExperiments(lab) + "/" + Uri.EscapeDataString(ideaDotSeq);

    public const string Experiments = Prefix + "/experiments";

    public static string Experiment(long id) => Experiments + "/" + id.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static string ExperimentWait(long id) => Experiment(id) + "/wait";

    public static string ExperimentCancel(long id) => Experiment(id) + "/cancel";

    public static string ExperimentLogs(long id, bool follow) => Experiment(id) + "/logs" + (follow ? "?follow=true" : "");

    public static string ExperimentMetrics(long id) => Experiment(id) + "/metrics";

    public static string ExperimentProgress(long id) => Experiment(id) + "/progress";

    public const string Gpus = Prefix + "/gpus";

    /// <summary>Host name used in request URIs over the Unix socket; labd ignores it.</summary>
    public const string Host = "labd";
}
