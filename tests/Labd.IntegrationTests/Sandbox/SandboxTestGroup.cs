namespace Labd.IntegrationTests.Sandbox;

/// <summary>Sandbox tests share one fixture and run one after another (B11 plants a process-wide fd).</summary>
[CollectionDefinition(Name)]
public sealed class SandboxTestGroup : ICollectionFixture<SandboxFixture>
{
    public const string Name = "sandbox";
}
