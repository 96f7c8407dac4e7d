namespace Labd.Protocol;

/// <summary>A tag and how many of the lab's experiments carry it.</summary>
public sealed record TagCount(string Tag, long Experiments);
