namespace Labd.Experiments;

/// <summary>A row of the labs table, as experiments need it.</summary>
internal sealed record LabRow(string Id, string Path, int OwnerUid, string Policy);
