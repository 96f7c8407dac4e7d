namespace Labctl.Doctor;

/// <summary>How a probe program ended; <see cref="Output"/> is its stderr and stdout, trimmed.</summary>
internal sealed record ProbeResult(int ExitCode, string Output);
