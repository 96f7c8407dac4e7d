namespace Labd.SandboxPolicy.Yaml;

/// <summary>A node of the small position-carrying tree built from YamlDotNet's event stream.</summary>
internal abstract record YamlNode(SourceLocation Location)
{
    /// <summary>A short noun for type errors: "a mapping", "a list", "a string".</summary>
    public abstract string Describe();
}
