namespace Labd.Egress;

/// <summary>
/// One parsed HTTP/1.x request head. <see cref="Host"/> is the authority the request
/// names (absolute-form URI, CONNECT authority, or Host header), raw and without port.
/// </summary>
internal sealed record HttpRequestHead(
    string Method,
    string Target,
    string Version,
    string Host,
    int? Port,
    string PathAndQuery,
    IReadOnlyList<KeyValuePair<string, string>> Headers,
    long ContentLength,
    bool Chunked,
    int HeadLength)
{
    public bool IsConnect => Method == "CONNECT";
}
