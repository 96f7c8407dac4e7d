using System.Collections.Immutable;

namespace Labd.SandboxPolicy.Yaml;

internal sealed record YamlMapping(SourceLocation Location, ImmutableArray<KeyValuePair<YamlScalar, YamlNode>> Entries)
    : YamlNode(Location)
{
    public override string Describe() => "a mapping";
}
