using System.Text;

namespace Labd.SandboxPolicy.Tests;

public sealed class YamlSafetyTests
{
    private static PolicyParseResult Bytes(byte[] content) => PolicyLoader.Parse("t", "t.yaml", content);

    [Fact]
    public void Billion_laughs_is_rejected_at_the_first_anchor_without_expansion()
    {
        var yaml = new StringBuilder("a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
        for (var i = 1; i < 10; i++)
        {
            yaml.Append($"{(char)('a' + i)}: &{(char)('a' + i)} [*{(char)('a' + i - 1)},*{(char)('a' + i - 1)},*{(char)('a' + i - 1)},*{(char)('a' + i - 1)},*{(char)('a' + i - 1)}]\n");
        }

        var result = TestPolicies.Parse(yaml.ToString());

        Assert.Null(result.Policy);
        Assert.Equal("t.yaml:1:4: error LP004: anchors are not supported ('&a') (write each value out)", result.Diagnostics[0].ToString());
        Assert.Contains(result.Diagnostics, d => d.Message.StartsWith("aliases are not supported", StringComparison.Ordinal));
    }

    [Fact]
    public void Tags_are_rejected()
    {
        var d = Assert.Single(TestPolicies.Parse("gpus: !!int 3\n").Diagnostics);

        Assert.Equal(DiagnosticCodes.Tag, d.Code);
        Assert.Equal((1, 7), (d.Location.Line, d.Location.Column));
    }

    [Fact]
    public void Deep_nesting_is_rejected_with_a_position()
    {
        var d = Assert.Single(TestPolicies.Parse("files: " + new string('[', 5000)).Diagnostics);

        Assert.Equal(DiagnosticCodes.TooDeep, d.Code);
        Assert.Equal(1, d.Location.Line);
    }

    [Fact]
    public void Files_over_one_mebibyte_are_rejected_before_parsing()
    {
        var d = Assert.Single(Bytes(Encoding.UTF8.GetBytes("description: \"" + new string('x', PolicyLoader.MaxFileBytes) + "\"\n")).Diagnostics);

        Assert.Equal(DiagnosticCodes.InputTooLarge, d.Code);
    }

    [Fact]
    public void Invalid_utf8_is_reported_at_its_line_and_column()
    {
        var d = Assert.Single(Bytes([.. "gpus: 1\nfiles:\n  /d"u8, 0xff, .. ": ro\n"u8]).Diagnostics);

        Assert.Equal("t.yaml:3:5: error LP002: invalid UTF-8 byte 0xff (save the file as UTF-8)", d.ToString());
    }

    [Fact]
    public void A_utf8_byte_order_mark_is_accepted()
    {
        var result = Bytes([0xEF, 0xBB, 0xBF, .. "gpus: 2\n"u8]);

        Assert.Empty(result.Diagnostics);
        Assert.Equal(2, result.Policy!.Gpus!.Value);
    }

    [Fact]
    public void Tabs_in_indentation_are_a_syntax_error_with_a_position()
    {
        var d = Assert.Single(TestPolicies.Parse("files:\n\t/data: ro\n").Diagnostics);

        Assert.Equal(DiagnosticCodes.YamlSyntax, d.Code);
        Assert.True(d.Location.Line >= 1);
    }

    [Fact]
    public void Several_documents_are_rejected()
    {
        var d = Assert.Single(TestPolicies.Parse("gpus: 1\n---\ngpus: 2\n").Diagnostics);

        Assert.Equal((DiagnosticCodes.MultipleDocuments, 2), (d.Code, d.Location.Line));
    }

    [Theory]
    [InlineData("")]
    [InlineData("# only a comment\n")]
    [InlineData("~\n")]
    public void An_empty_file_is_an_empty_policy(string yaml)
    {
        var result = TestPolicies.Parse(yaml);

        Assert.Empty(result.Diagnostics);
        Assert.NotNull(result.Policy);
    }

    [Theory]
    [InlineData("- a\n- b\n")]
    [InlineData("just text\n")]
    [InlineData("? [complex]\n: key\n")]
    public void A_root_that_is_not_a_mapping_of_keys_is_an_error(string yaml)
    {
        var result = TestPolicies.Parse(yaml);

        Assert.Null(result.Policy);
        Assert.Contains(result.Diagnostics, d => d.Code == DiagnosticCodes.WrongType && d.Location.Line == 1);
    }
}
