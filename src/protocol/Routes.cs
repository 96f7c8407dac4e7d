namespace Labd.Protocol;

/// <summary>API routes, shared by labd and labctl. Everything lives under <see cref="Prefix"/>.</summary>
public static class Routes
{
    public const string Prefix = "/v1";
    public const string Version = Prefix + "/version";
    public const string Status = Prefix + "/status";
    public const string Events = Prefix + "/events";
    public const string Runs = Prefix + "/runs";

    public static string Run(string id) => Runs + "/" + Uri.EscapeDataString(id);

    public static string RunLogs(string id, bool follow) => Run(id) + "/logs" + (follow ? "?follow=true" : "");

    public static string RunWait(string id) => Run(id) + "/wait";

    public static string RunCancel(string id) => Run(id) + "/cancel";

    public static string RunEgress(string id) => Run(id) + "/egress";

    /// <summary>Host name used in request URIs over the Unix socket; labd ignores it.</summary>
    public const string Host = "labd";
}
