namespace Labd.Protocol;

/// <summary>One idea: a branch <c>idea/&lt;n&gt;</c> and its status (suggested, active, concluded, abandoned).</summary>
public sealed record IdeaRecord(
    int Number,
    string Title,
    string Description,
    string Status,
    IReadOnlyList<int> Parents,
    string Branch,
    string BaseCommit,
    string? Conclusion,
    string CreatedBy,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    public const string Suggested = "suggested";
    public const string Active = "active";
    public const string Concluded = "concluded";
    public const string Abandoned = "abandoned";
}
