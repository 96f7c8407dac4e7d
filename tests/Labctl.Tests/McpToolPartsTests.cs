using System.Text.Json;
using Labctl.Mcp;

namespace Labctl.Tests;

/// <summary>The pieces of <c>labctl mcp</c> that read hostile or sloppy input: experiment output and a model's arguments.</summary>
public sealed class McpToolPartsTests
{
    [Fact]
    public void Log_tail_keeps_the_last_lines_including_an_unterminated_one()
    {
        var tail = new LineTail(2);
        tail.Append("one\ntwo\nthr");
        tail.Append("ee\nfour");

        Assert.Equal("three\nfour", tail.ToString());
    }

    [Fact]
    public void Log_tail_cuts_a_huge_line_and_says_how_much_it_cut()
    {
        var tail = new LineTail(5);
        tail.Append(new string('x', LineTail.MaxLineLength + 12345));
        tail.Append("\nok\n");

        Assert.Equal(new string('x', LineTail.MaxLineLength) + "… (12345 more characters)\nok", tail.ToString());
    }

    [Fact]
    public void Arguments_accept_a_number_sent_as_a_string_and_name_what_is_wrong()
    {
        var args = Parse("""{"idea":"3","command":["sh","train.sh"],"gpus":1.5,"tags":"baseline","note":null}""");

        Assert.Equal(3, args.Int("idea"));
        Assert.Equal(["sh", "train.sh"], args.OptionalStrings("command"));
        Assert.Null(args.OptionalString("note"));
        Assert.Equal("'gpus' must be an integer", Assert.Throws<ToolException>(() => args.OptionalInt("gpus")).Message);
        Assert.Equal("'tags' must be an array of strings", Assert.Throws<ToolException>(() => args.OptionalStrings("tags")).Message);
        Assert.Equal("'title' is required (a non-empty string)", Assert.Throws<ToolException>(() => args.String("title")).Message);
    }

    [Fact]
    public void Compact_json_drops_indentation_and_keeps_text_readable()
    {
        Assert.Equal("""{"a":[1,2],"b":"Δ \"x\" <y>"}""", CompactJson.Of("{\n  \"a\": [1, 2],\n  \"b\": \"Δ \\\"x\\\" <y>\"\n}"));
        Assert.Equal("not json", CompactJson.Of("not json"));
    }

    private static ToolArguments Parse(string json) =>
        new(JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(json));
}
