namespace Labd.Protocol;

/// <summary>API routes, shared by labd and labctl. Everything lives under <see cref="Prefix"/>.</summary>
public static class Routes
{
    public const string Prefix = "/v1";
    public const string Version = Prefix + "/version";
    public const string Status = Prefix + "/status";
    public const string Events = Prefix + "/events";

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

    public static string LabResolveOf(string path) => LabResolve + "?path=" + Uri.EscapeDataString(path);

    /// <summary>Host name used in request URIs over the Unix socket; labd ignores it.</summary>
    public const string Host = "labd";
}
