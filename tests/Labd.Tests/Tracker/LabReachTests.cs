using Labd.Tracker;

namespace Labd.Tests.Tracker;

public sealed class LabReachTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("labd-reach-");

    [Theory]
    [InlineData(0b111_101_101, null)]
    [InlineData(0b111_101_111, null)]
    [InlineData(0b111_000_000, "0700")]
    [InlineData(0b111_101_001, "0751")]
    [InlineData(0b111_101_100, "0754")]
    public void A_lab_directory_must_grant_others_read_and_search(int mode, string? named)
    {
        var lab = Path.Combine(_dir.FullName, "lab");
        Directory.CreateDirectory(lab);
        File.SetUnixFileMode(lab, (UnixFileMode)mode);

        var problem = LabReach.Problem(lab);

        if (named is null)
        {
            Assert.Null(problem);
        }
        else
        {
            Assert.Equal($"lab directory {lab} is mode {named}: sandboxes run under their own uids and read the lab as others do; " +
                $"run `chmod o+rx {lab}` (its parents, such as a 0700 home, may stay as they are)", problem);
        }
    }

    [Fact]
    public void A_missing_lab_directory_is_a_problem_naming_lab_rm()
    {
        Assert.Contains("`labctl lab rm`", LabReach.Problem(Path.Combine(_dir.FullName, "gone")), StringComparison.Ordinal);
    }

    public void Dispose() => _dir.Delete(recursive: true);
}
