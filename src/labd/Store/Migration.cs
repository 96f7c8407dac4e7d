namespace Labd.Store;

/// <summary>One numbered schema step. Applied once, in order, inside the start-up transaction.</summary>
internal sealed record Migration(int Version, string Name, string Sql);
