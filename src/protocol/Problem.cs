namespace Labd.Protocol;

/// <summary>
/// RFC 9457 problem document (<c>application/problem+json</c>) with labd's stable
/// <see cref="Code"/> extension. <see cref="Detail"/> tells the user the next step.
/// <see cref="Errors"/> (optional) lists every finding, e.g. each policy diagnostic in
/// compiler format for <c>policy-invalid</c>.
/// </summary>
public sealed record Problem(
    string Type,
    string Title,
    int Status,
    string? Detail,
    string Code,
    IReadOnlyList<string>? Errors = null)
{
    public const string MediaType = "application/problem+json";
}
