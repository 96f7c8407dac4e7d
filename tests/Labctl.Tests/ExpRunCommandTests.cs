using Labctl.Client;

namespace Labctl.Tests;

public sealed class ExpRunCommandTests
{
    [Theory]
    [InlineData("train.py", "python3 train.py")]
    [InlineData("run.sh", "sh run.sh")]
    [InlineData("train", "./train")]
    [InlineData("bin/train", "bin/train")]
    public void A_lone_script_runs_with_the_interpreter_its_extension_names(string script, string expected) =>
        Assert.Equal(expected, string.Join(' ', ExperimentSubmission.CommandOf([script])));

    [Fact]
    public void A_command_after_the_separator_runs_as_given() =>
        Assert.Equal(["python3", "train.py", "--lr", "0.1"], ExperimentSubmission.CommandOf(["python3", "train.py", "--lr", "0.1"]));
}
