namespace Labctl.Client;

/// <summary>A decoded answer from labd together with its body exactly as it came off the wire.</summary>
internal sealed record LabdResponse<T>(T Value, string Body);
