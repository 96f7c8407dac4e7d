using Labd.Protocol;

namespace Labd.Tests.Protocol;

/// <summary>The one experiment label type labd and labctl share: written and read the same way everywhere.</summary>
public sealed class ExperimentLabelTests
{
    [Theory]
    [InlineData(1, 1, "exp/1.1")]
    [InlineData(3, 2, "exp/3.2")]
    [InlineData(2147483647, 10, "exp/2147483647.10")]
    public void A_label_is_written_as_exp_idea_dot_seq_and_reads_back_the_same(int idea, int seq, string text)
    {
        var label = new ExperimentLabel(idea, seq);

        Assert.Equal(text, label.ToString());
        Assert.Equal(label, ExperimentLabel.Parse(label.ToString()));
        Assert.Equal(label, ExperimentLabel.Parse(label.IdeaDotSeq));
    }

    [Theory]
    [InlineData("exp/12.7", 12, 7)]
    [InlineData("12.7", 12, 7)]
    public void The_prefix_may_be_left_out(string text, int idea, int seq) =>
        Assert.Equal(new ExperimentLabel(idea, seq), ExperimentLabel.Parse(text));

    [Theory]
    [InlineData("")]
    [InlineData("exp/")]
    [InlineData("3")]
    [InlineData("17")]
    [InlineData("exp/3")]
    [InlineData("3.")]
    [InlineData(".2")]
    [InlineData("3.2.1")]
    [InlineData("exp/0.1")]
    [InlineData("exp/1.0")]
    [InlineData("exp/-1.2")]
    [InlineData("exp/+1.2")]
    [InlineData("exp/ 1.2")]
    [InlineData("exp/1.2 ")]
    [InlineData("EXP/1.2")]
    [InlineData("exp//1.2")]
    [InlineData("exp/1,2")]
    [InlineData("exp/2147483648.1")]
    [InlineData("exp/١.٢")]
    [InlineData("idea/3.2")]
    public void Anything_else_is_refused_with_a_message_that_says_how_to_write_one(string text)
    {
        Assert.False(ExperimentLabel.TryParse(text, out _));
        var e = Assert.Throws<FormatException>(() => ExperimentLabel.Parse(text));
        Assert.Equal($"'{text}' is not an experiment label; write exp/IDEA.SEQ like exp/3.2, or the numeric id", e.Message);
    }

    [Fact]
    public void Null_is_not_a_label() => Assert.False(ExperimentLabel.TryParse(null, out _));
}
