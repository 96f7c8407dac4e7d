namespace Labd.SandboxPolicy.Yaml;

internal sealed record YamlScalar(SourceLocation Location, string Value, bool IsPlain) : YamlNode(Location)
{
    /// <summary>An empty value, <c>~</c> or <c>null</c> written without quotes.</summary>
    public bool IsNull => IsPlain && Value is "" or "~" or "null" or "Null" or "NULL";

    public override string Describe() => IsNull ? "an empty value" : $"the value '{Value}'";
}
