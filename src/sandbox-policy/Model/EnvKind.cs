namespace Labd.SandboxPolicy;

public enum EnvKind
{
    /// <summary><c>env.set</c>: a literal value.</summary>
    Set,

    /// <summary><c>env.pass</c>: copied from the caller's environment.</summary>
    Pass,

    /// <summary><c>env.secrets</c>: read at launch from a root-owned file; never shown or logged.</summary>
    Secret,
}
