using System.CommandLine;
using Labd.SandboxPolicy;

namespace Labctl.Commands;

/// <summary>
/// <c>labctl policy check FILE...</c>: validates policy files without the daemon and prints
/// compiler-style diagnostics. <c>extends:</c> resolves against each file's own directory, then
/// <c>--policies</c> (default /etc/labd/policies). Exit 0 when there are no errors, 1 otherwise.
/// </summary>
internal static class PolicyCheckCommand
{
    public const string DefaultPolicyDirectory = "/etc/labd/policies";

    public static Command Create()
    {
        var files = new Argument<string[]>("FILE")
        {
            Description = "Policy files to validate",
            Arity = ArgumentArity.OneOrMore,
        };
        var policies = new Option<string>("--policies")
        {
            Description = "Directory of installed policies that 'extends:' may name",
            DefaultValueFactory = _ => DefaultPolicyDirectory,
        };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Print errors only, no warnings or summary" };
        var command = new Command("check", "Validate policy files (no daemon needed); exit 1 on errors") { files, policies, quiet };
        command.SetAction(parseResult => Run(
            parseResult.GetValue(files) ?? [],
            parseResult.GetValue(policies),
            parseResult.GetValue(quiet),
            parseResult.InvocationConfiguration.Output,
            parseResult.InvocationConfiguration.Error));
        return command;
    }

    internal static int Run(IReadOnlyList<string> files, string? policyDirectory, bool quiet, TextWriter output, TextWriter error)
    {
        var search = policyDirectory is not null && Directory.Exists(policyDirectory) ? [policyDirectory] : Array.Empty<string>();
        var result = PolicyCheck.CheckFiles(files, search);
        foreach (var diagnostic in result.Diagnostics.Where(d => d.IsError || !quiet))
        {
            (diagnostic.IsError ? error : output).WriteLine(diagnostic.ToString());
        }

        var errors = result.Diagnostics.Count(d => d.IsError);
        var warnings = result.Diagnostics.Length - errors;
        if (!quiet)
        {
            output.WriteLine($"{files.Count} file(s) checked: {errors} error(s), {warnings} warning(s)");
        }

        return errors > 0 ? 1 : 0;
    }
}
