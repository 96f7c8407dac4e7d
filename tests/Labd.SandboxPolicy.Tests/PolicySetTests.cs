namespace Labd.SandboxPolicy.Tests;

public sealed class PolicySetTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("labd-policy-test-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string yaml)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, yaml);
        return path;
    }

    [Fact]
    public void A_directory_with_one_bad_file_yields_no_set_and_every_error()
    {
        Write("good.yaml", "gpus: 1\n");
        Write("bad.yaml", "gpus: many\nfiles:\n  /x: rwx\n");
        Write("notes.txt", "not a policy");

        var result = PolicySet.LoadDirectory(_dir);

        Assert.False(result.Success);
        Assert.Null(result.Set);
        Assert.Equal(2, result.Errors.Count());
        Assert.All(result.Errors, d => Assert.Equal(Path.Combine(_dir, "bad.yaml"), d.Location.File));
    }

    [Fact]
    public void A_valid_directory_yields_every_policy_by_file_name()
    {
        Write("base.yaml", "gpus: 1\n");
        Write("child.yaml", "extends: base\n");

        var result = PolicySet.LoadDirectory(_dir);

        Assert.True(result.Success);
        Assert.Equal(["base", "child"], result.Set.Policies.Keys);
        Assert.Equal(1, result.Set.Find("child")!.MaxGpus);
        Assert.Null(result.Set.Find("missing"));
    }

    [Fact]
    public void A_file_name_that_is_not_a_policy_name_is_an_error()
    {
        Write("Bad Name.yaml", "gpus: 1\n");

        var d = Assert.Single(PolicySet.LoadDirectory(_dir).Diagnostics);

        Assert.Equal(DiagnosticCodes.BadPolicyName, d.Code);
    }

    [Fact]
    public void A_missing_directory_is_an_error_not_an_exception()
    {
        var result = PolicySet.LoadDirectory(Path.Combine(_dir, "nope"));

        Assert.False(result.Success);
        Assert.Equal(DiagnosticCodes.ReadFailed, Assert.Single(result.Diagnostics).Code);
    }

    [Fact]
    public void Check_files_resolves_extends_against_the_files_own_directory()
    {
        Write("default.yaml", "network:\n  allow: [a.test]\n");
        var mine = Write("mine.yaml", "extends: default\ngpus: 2\n");

        var result = PolicyCheck.CheckFiles([mine]);

        Assert.False(result.HasErrors, string.Join("\n", result.Format()));
        var policy = Assert.Single(result.Policies);
        Assert.Equal("mine", policy.Name);
        Assert.True(policy.Egress.Decide("a.test", 443).Allowed);
    }

    [Fact]
    public void Check_files_resolves_against_search_directories_such_as_the_shipped_policies()
    {
        var mine = Write("mine.yaml", "extends: default\ngpus: 2\n");

        var result = PolicyCheck.CheckFiles([mine], [TestPolicies.ShippedDirectory]);

        Assert.False(result.HasErrors, string.Join("\n", result.Format()));
        Assert.True(Assert.Single(result.Policies).Egress.Decide("pypi.org", 443).Allowed);
    }

    [Fact]
    public void Check_files_reports_errors_in_compiler_format()
    {
        var mine = Write("mine.yaml", "extends: nowhere\nfiles:\n  /x: rwx\n");
        var missing = Path.Combine(_dir, "missing.yaml");

        var result = PolicyCheck.CheckFiles([mine, missing]);

        Assert.True(result.HasErrors);
        Assert.Empty(result.Policies);
        Assert.Contains($"{mine}:3:7: error LP012: unknown mode 'rwx'; use rw, ro or hidden (did you mean 'rw'?)", result.Format());
        Assert.Contains(result.Diagnostics, d => d.Code == DiagnosticCodes.ReadFailed && d.Location.File == missing);
    }

    [Fact]
    public void Check_files_reports_unreadable_paths_instead_of_throwing()
    {
        var result = PolicyCheck.CheckFiles(["", _dir, "bad\0name.yaml"]);

        Assert.Equal(3, result.Diagnostics.Count(d => d.Code == DiagnosticCodes.ReadFailed));
    }
}
