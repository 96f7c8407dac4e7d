namespace Labd.Protocol;

/// <summary>
/// One policy that differs between the previous and the new set: <see cref="Change"/> is
/// <c>added</c>, <c>removed</c> or <c>changed</c>; a hash is null where the policy is absent.
/// </summary>
public sealed record PolicyChange(string Name, string Change, string? OldHash, string? NewHash);
