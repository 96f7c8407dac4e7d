namespace Labd.Egress;

/// <summary>Outcome of parsing an HTTP request head: incomplete, a head, or a rejection reason.</summary>
internal readonly record struct HttpParseResult(HttpRequestHead? Head, string? Reason, bool IsIncomplete)
{
    public static HttpParseResult Incomplete { get; } = new(null, null, true);

    public static HttpParseResult Reject(string reason) => new(null, reason, false);
}
