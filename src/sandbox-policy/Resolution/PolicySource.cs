namespace Labd.SandboxPolicy;

/// <summary>One policy file's content, for loading a set from memory (tests, the API's upload path).</summary>
public sealed record PolicySource(string Name, string DisplayPath, ReadOnlyMemory<byte> Content);
