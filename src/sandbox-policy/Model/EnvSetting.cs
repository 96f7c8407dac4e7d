namespace Labd.SandboxPolicy;

/// <summary>One environment variable rule. <see cref="Value"/> is the literal for
/// <see cref="EnvKind.Set"/> and the file path for <see cref="EnvKind.Secret"/>.</summary>
public sealed record EnvSetting(string Name, EnvKind Kind, string? Value, SourceLocation Origin)
{
    public EnvEntry ToEnvEntry() => Kind switch
    {
        EnvKind.Set => new EnvEntry(Name, Value, Passthrough: false, SecretFile: null),
        EnvKind.Pass => new EnvEntry(Name, null, Passthrough: true, SecretFile: null),
        _ => new EnvEntry(Name, null, Passthrough: false, SecretFile: Value),
    };
}
