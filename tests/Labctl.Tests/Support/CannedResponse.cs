namespace Labctl.Tests.Support;

/// <summary>What <see cref="FakeDaemon"/> answers on one route.</summary>
public sealed record CannedResponse(int Status, string ContentType, string Body)
{
    /// <summary>No answer at all until the daemon is disposed.</summary>
    public static CannedResponse Never { get; } = new(0, "", "");

    public static CannedResponse Json(string body) => new(200, "application/json; charset=utf-8", body);

    public static CannedResponse Problem(int status, string code, string detail) => new(
        status,
        "application/problem+json",
        $$"""{"type":"https://labd.dev/problems/{{code}}","title":"{{code}}","status":{{status}},"detail":"{{detail}}","code":"{{code}}"}""");
}
