using System.Text.Json.Serialization;

namespace Labd.Runs;

/// <summary>JSON of the runs table's columns (the argv).</summary>
[JsonSerializable(typeof(IReadOnlyList<string>))]
internal sealed partial class RunsApiJsonContext : JsonSerializerContext;
