using System.Text.Json.Serialization;

namespace Labd.Experiments;

/// <summary>JSON columns of the experiments table (argv, meta, GPU ids, metrics).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(List<string>))]
[JsonSerializable(typeof(List<int>))]
[JsonSerializable(typeof(SortedDictionary<string, string>))]
[JsonSerializable(typeof(SortedDictionary<string, double>))]
internal sealed partial class ExperimentsJsonContext : JsonSerializerContext;
