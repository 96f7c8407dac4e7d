using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Labctl.Doctor;
using Labctl.Output;

namespace Labctl.Commands;

/// <summary>
/// <c>labctl doctor</c>: checks this host can run labd's sandboxes and that the caller can
/// reach labd. Works without labd. Exit 1 when any check fails; warnings keep 0.
/// </summary>
internal static class DoctorCommand
{
    public static Command Create(CliContext context)
    {
        // Tests read a fake /dev, /proc, /etc under this directory; nobody else needs it.
        var root = new Option<string>("--root") { Hidden = true, DefaultValueFactory = _ => "/" };
        var command = new Command("doctor", "Check this host for what labd needs (tools, /dev/net/tun, user namespaces, subuids, cgroups, GPUs) and whether you can reach labd");
        command.Options.Add(root);
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var host = HostProbe.ForProcess(
                parseResult.GetValue(root) ?? "/",
                context.Options.SocketPath(parseResult),
                context.Console.GetEnvironmentVariable("PATH"));
            var report = DoctorReport.From(await Doctor.Doctor.RunAsync(host, cancellationToken).ConfigureAwait(false));
            Write(report, context.Format(parseResult), context.Console);
            return report.Ok ? ExitCodes.Ok : ExitCodes.Failure;
        });
        return command;
    }

    public static void Write(DoctorReport report, OutputFormat format, CliConsole console)
    {
        if (format == OutputFormat.Json)
        {
            console.Out.WriteLine(JsonSerializer.Serialize(report, LabctlJsonContext.Relaxed.DoctorReport));
            return;
        }
        var table = new Table("CHECK", "STATUS", "DETAIL");
        foreach (var check in report.Checks)
        {
            table.AddColored([null, Color(check.Status), null], check.Name, Word(check.Status), check.Detail);
        }
        table.Write(console.Out, console.UseColor);

        var toFix = report.Checks.Where(c => c.Fix is not null).ToList();
        if (toFix.Count > 0)
        {
            console.Out.WriteLine();
            console.Out.WriteLine("To fix:");
            var width = toFix.Max(c => c.Name.Length);
            foreach (var check in toFix)
            {
                var lines = check.Fix!.Split('\n');
                for (var i = 0; i < lines.Length; i++)
                {
                    console.Out.WriteLine("  " + (i == 0 ? check.Name + ":" : "").PadRight(width + 2) + lines[i]);
                }
            }
        }
        console.Out.WriteLine();
        console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{Count(report, CheckStatus.Ok)} ok, {Count(report, CheckStatus.Warn)} warn, {Count(report, CheckStatus.Fail)} fail"));
    }

    private static int Count(DoctorReport report, CheckStatus status) => report.Checks.Count(c => c.Status == status);

    private static string Word(CheckStatus status) => status switch
    {
        CheckStatus.Ok => "ok",
        CheckStatus.Warn => "warn",
        _ => "fail",
    };

    private static string? Color(CheckStatus status) => status switch
    {
        CheckStatus.Ok => Paint.Green,
        CheckStatus.Warn => Paint.Yellow,
        _ => Paint.Red,
    };
}
