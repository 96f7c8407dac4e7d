namespace Labd.Protocol;

/// <summary>API routes, shared by labd and labctl. Everything lives under <see cref="Prefix"/>.</summary>
public static class Routes
{
    public const string Prefix = "/v1";
    public const string Version = Prefix + "/version";
    public const string Status = Prefix + "/status";
    public const string Events = Prefix + "/events";

    /// <summary>Host name used in request URIs over the Unix socket; labd ignores it.</summary>
    public const string Host = "labd";
}
