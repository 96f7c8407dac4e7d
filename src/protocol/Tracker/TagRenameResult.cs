namespace Labd.Protocol;

/// <summary>What a tag rename did: how many experiments were retagged and whether <c>To</c> already existed.</summary>
public sealed record TagRenameResult(string From, string To, long Experiments, bool Merged);
