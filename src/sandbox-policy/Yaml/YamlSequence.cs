using System.Collections.Immutable;

namespace Labd.SandboxPolicy.Yaml;

internal sealed record YamlSequence(SourceLocation Location, ImmutableArray<YamlNode> Items) : YamlNode(Location)
{
    public override string Describe() => "a list";
}
