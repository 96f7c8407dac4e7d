using Labd.SandboxPolicy;

namespace Labd.Policy;

/// <summary>A load attempt: the library's all-or-nothing result and where it was read from.</summary>
internal sealed record PolicyLoad(PolicySetLoadResult Result, string Source, bool Embedded);
