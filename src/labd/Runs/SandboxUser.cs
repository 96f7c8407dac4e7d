namespace Labd.Runs;

/// <summary>A host user of the sandbox pool (<c>labd-sbx-N</c>) with its subordinate id range.</summary>
internal sealed record SandboxUser(string Name, int Uid, int Gid, int SubIdStart, int SubIdCount);
