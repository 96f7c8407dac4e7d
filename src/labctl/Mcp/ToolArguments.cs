using System.Globalization;
using System.Text.Json;

namespace Labctl.Mcp;

/// <summary>
/// A tool call's arguments as the client sent them. Lenient where models often are (a number
/// sent as a string), strict about types otherwise; every refusal names the argument.
/// </summary>
internal sealed class ToolArguments(IDictionary<string, JsonElement>? values)
{
    public string String(string name) =>
        OptionalString(name) is { Length: > 0 } value ? value : throw new ToolException($"'{name}' is required (a non-empty string)");

    public string? OptionalString(string name) => Get(name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.String } value => value.GetString(),
        { ValueKind: JsonValueKind.Number } value => value.GetRawText(),
        _ => throw Wrong(name, "a string"),
    };

    public int Int(string name) => OptionalInt(name) ?? throw new ToolException($"'{name}' is required (an integer)");

    public int? OptionalInt(string name) => Get(name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.Number } value when value.TryGetInt32(out var number) => number,
        { ValueKind: JsonValueKind.String } value when int.TryParse(value.GetString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number) => number,
        _ => throw Wrong(name, "an integer"),
    };

    public bool? OptionalBool(string name) => Get(name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.True } => true,
        { ValueKind: JsonValueKind.False } => false,
        _ => throw Wrong(name, "true or false"),
    };

    public IReadOnlyList<string>? OptionalStrings(string name)
    {
        if (Get(name) is not { } value)
        {
            return null;
        }
        if (value.ValueKind != JsonValueKind.Array)
        {
            throw Wrong(name, "an array of strings");
        }
        return [.. value.EnumerateArray().Select(item => item.ValueKind == JsonValueKind.String ? item.GetString()! : throw Wrong(name, "an array of strings"))];
    }

    public IReadOnlyList<int>? OptionalInts(string name)
    {
        if (Get(name) is not { } value)
        {
            return null;
        }
        if (value.ValueKind != JsonValueKind.Array)
        {
            throw Wrong(name, "an array of integers");
        }
        return [.. value.EnumerateArray().Select(item => item.ValueKind == JsonValueKind.Number && item.TryGetInt32(out var number) ? number : throw Wrong(name, "an array of integers"))];
    }

    public IReadOnlyDictionary<string, string>? OptionalStringMap(string name)
    {
        if (Get(name) is not { } value)
        {
            return null;
        }
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw Wrong(name, "an object of string values");
        }
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in value.EnumerateObject())
        {
            map[property.Name] = property.Value.ValueKind switch
            {
                JsonValueKind.String => property.Value.GetString()!,
                JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => property.Value.GetRawText(),
                _ => throw Wrong(name, "an object of string values"),
            };
        }
        return map;
    }

    private JsonElement? Get(string name) =>
        values is not null && values.TryGetValue(name, out var value) && value.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined) ? value : null;

    private static ToolException Wrong(string name, string expected) => new($"'{name}' must be {expected}");
}
