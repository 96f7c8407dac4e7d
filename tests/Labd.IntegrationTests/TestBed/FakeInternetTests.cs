namespace Labd.IntegrationTests.TestBed;

/// <summary>The collection of tests that use the fake internet: run one after another, sharing one instance.</summary>
[CollectionDefinition(Name)]
public sealed class FakeInternetTests : ICollectionFixture<FakeInternet>
{
    public const string Name = "fake-internet";
}
