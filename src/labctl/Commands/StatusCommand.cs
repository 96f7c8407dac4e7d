using System.CommandLine;
using System.Globalization;
using Labctl.Output;
using Labd.Protocol;

namespace Labctl.Commands;

/// <summary>
/// <c>labctl status</c>: what labd reports about itself. <c>-o json</c> prints labd's document
/// verbatim, so it matches <c>curl --unix-socket … http://labd/v1/status</c> byte for byte.
/// </summary>
internal static class StatusCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("status", "Show labd's state: version, uptime, who you are to labd, GPUs, sandbox readiness");
        command.SetAction((parseResult, cancellationToken) => context.RunAsync(() => RunAsync(context, parseResult, cancellationToken)));
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, ParseResult parseResult, CancellationToken cancellationToken)
    {
        using var client = context.Connect(parseResult);
        var response = await client.GetAsync(Routes.Status, ProtocolJsonContext.Default.StatusInfo, cancellationToken).ConfigureAwait(false);
        var console = context.Console;
        if (context.Format(parseResult) == OutputFormat.Json)
        {
            console.Out.Write(response.Body);
            if (!response.Body.EndsWith('\n'))
            {
                console.Out.WriteLine();
            }
            return ExitCodes.Ok;
        }
        Write(response.Value, console);
        return ExitCodes.Ok;
    }

    /// <summary><c>12 from /etc/labd/policies, generation 3, loaded …; last reload …: ok</c>; a labd too old to say: unknown.</summary>
    private static string Policies(PolicyStatus? policies) => policies is not { } p
        ? "unknown (labd does not report them; see `labctl version`)"
        : string.Create(CultureInfo.InvariantCulture, $"{p.Count} from {p.Source}{(p.Embedded ? " (embedded)" : "")}, generation {p.Generation}, loaded {Time(p.LoadedAt)}")
            + (p.LastReloadAt is { } at ? $"; last reload {Time(at)}: {p.LastReloadResult ?? "no result"}" : "; no reload since start");

    private static string Time(DateTimeOffset at) => at.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static void Write(StatusInfo status, CliConsole console)
    {
        var caller = status.Caller;
        new KeyValueList()
            .Add("Version", status.Version)
            .Add("Started", status.StartedAt.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture)
                + $" (up {Durations.Format(TimeSpan.FromSeconds(status.UptimeSeconds))})")
            .Add("State dir", status.StateDir)
            .Add("Socket", status.Socket)
            .Add("You are", string.Create(CultureInfo.InvariantCulture, $"{caller.Kind} (uid {caller.Uid}{(caller.UserName is null ? "" : ", " + caller.UserName)})"))
            .Add("Policies", Policies(status.Policies))
            .Add("GPUs", status.Gpus.Count == 0 ? "none" : string.Create(CultureInfo.InvariantCulture, $"{status.Gpus.Count(g => g.Present)} of {status.Gpus.Count} present"))
            .Add("Sandboxes", status.Sandbox.Ready ? "ready" : $"not ready ({status.Sandbox.Problems.Count} problems)", status.Sandbox.Ready ? Paint.Green : Paint.Red)
            .Write(console.Out, console.UseColor);

        foreach (var problem in status.Sandbox.Problems)
        {
            console.Out.WriteLine("  - " + TerminalText.Escape(problem));
        }

        if (status.Counts.Count > 0)
        {
            console.Out.WriteLine();
            var counts = new Table("OBJECT", "COUNT");
            foreach (var (name, count) in status.Counts.OrderBy(c => c.Key, StringComparer.Ordinal))
            {
                counts.Add(name, count.ToString(CultureInfo.InvariantCulture));
            }
            counts.Write(console.Out, console.UseColor);
        }

        if (status.Gpus.Count > 0)
        {
            console.Out.WriteLine();
            var gpus = new Table("GPU", "DEVICE", "PRESENT");
            foreach (var gpu in status.Gpus.OrderBy(g => g.Index))
            {
                gpus.AddColored([null, null, gpu.Present ? null : Paint.Red], gpu.Index.ToString(CultureInfo.InvariantCulture), gpu.Device, gpu.Present ? "yes" : "no");
            }
            gpus.Write(console.Out, console.UseColor);
        }
    }
}
