using System.CommandLine;
using System.Text.Encodings.Web;
using System.Text.Json;
using Labd.SandboxPolicy;

namespace Labctl.Commands;

/// <summary>
/// <c>labctl policy check FILE...</c>: validates policy files without the daemon and prints
/// every diagnostic in compiler format (<c>-o json</c>: a list). <c>extends:</c> resolves against
/// each file's own directory, then <c>--policies</c> (default /etc/labd/policies). Exit 0 when
/// there are no errors, 1 otherwise.
/// </summary>
internal static class PolicyCheckCommand
{
    public const string DefaultPolicyDirectory = "/etc/labd/policies";

    public static Command Create(CliContext context)
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
            context.Format(parseResult),
            context.Console.Out,
            context.Console.Error));
        return command;
    }

    internal static int Run(IReadOnlyList<string> files, string? policyDirectory, bool quiet, OutputFormat format, TextWriter output, TextWriter error)
    {
        var search = policyDirectory is not null && Directory.Exists(policyDirectory) ? [policyDirectory] : Array.Empty<string>();
        var result = PolicyCheck.CheckFiles(files, search);
        var shown = result.Diagnostics.Where(d => d.IsError || !quiet).ToList();
        var errors = result.Diagnostics.Count(d => d.IsError);
        if (format == OutputFormat.Json)
        {
            output.WriteLine(ToJson(shown));
            return errors > 0 ? ExitCodes.Failure : ExitCodes.Ok;
        }

        foreach (var diagnostic in shown)
        {
            (diagnostic.IsError ? error : output).WriteLine(diagnostic.ToString());
        }

        var warnings = result.Diagnostics.Length - errors;
        if (!quiet)
        {
            output.WriteLine($"{files.Count} file(s) checked: {errors} error(s), {warnings} warning(s)");
        }

        return errors > 0 ? ExitCodes.Failure : ExitCodes.Ok;
    }

    /// <summary>[{file, line, column, severity, code, message, suggestion?, text}], text being the compiler-format line.</summary>
    private static string ToJson(IEnumerable<Diagnostic> diagnostics)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartArray();
            foreach (var d in diagnostics)
            {
                json.WriteStartObject();
                json.WriteString("file", d.Location.File);
                json.WriteNumber("line", d.Location.Line);
                json.WriteNumber("column", d.Location.Column);
                json.WriteString("severity", d.IsError ? "error" : "warning");
                json.WriteString("code", d.Code);
                json.WriteString("message", d.Message);
                if (d.Suggestion is not null)
                {
                    json.WriteString("suggestion", d.Suggestion);
                }
                json.WriteString("text", d.ToString());
                json.WriteEndObject();
            }
            json.WriteEndArray();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}
