using System.CommandLine;
using System.Text.Json;
using Labctl.Client;
using Labctl.Output;
using Labd.Protocol;

namespace Labctl.Commands;

/// <summary><c>labctl version</c>: this client's version and labd's, if labd answers.</summary>
internal static class VersionCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("version", "Show labctl's version and labd's (API version, capabilities)");
        command.SetAction((parseResult, cancellationToken) => RunAsync(context, parseResult, cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, ParseResult parseResult, CancellationToken cancellationToken)
    {
        VersionInfo? daemon = null;
        string? error = null;
        var exitCode = ExitCodes.Ok;
        using (var client = context.Connect(parseResult))
        {
            try
            {
                daemon = (await client.GetAsync(Routes.Version, ProtocolJsonContext.Default.VersionInfo, cancellationToken).ConfigureAwait(false)).Value;
            }
            catch (LabdUnreachableException e)
            {
                (error, exitCode) = (e.Detail + "; " + context.Hint(e), e.ExitCode);
            }
            catch (LabdApiException e)
            {
                (error, exitCode) = ($"{e.Detail} ({e.Code})", e.ExitCode);
            }
        }

        var console = context.Console;
        if (context.Format(parseResult) == OutputFormat.Json)
        {
            console.Out.WriteLine(JsonSerializer.Serialize(new VersionReport(ClientVersion.Current, daemon, error), LabctlJsonContext.Relaxed.VersionReport));
            return exitCode;
        }

        var list = new KeyValueList().Add("Client", ClientVersion.Current);
        if (daemon is not null)
        {
            list.Add("Daemon", daemon.Version)
                .Add("API", daemon.ApiVersion == VersionInfo.CurrentApiVersion
                    ? daemon.ApiVersion.ToString(System.Globalization.CultureInfo.InvariantCulture)
                    : $"{daemon.ApiVersion} (labctl speaks {VersionInfo.CurrentApiVersion})",
                    daemon.ApiVersion == VersionInfo.CurrentApiVersion ? null : Paint.Yellow)
                .Add("Capabilities", daemon.Capabilities.Count == 0 ? "-" : string.Join(", ", daemon.Capabilities));
        }
        else
        {
            list.Add("Daemon", "unreachable", Paint.Red);
        }
        list.Write(console.Out, console.UseColor);
        if (error is not null)
        {
            context.Fail(exitCode, error);
        }
        return exitCode;
    }
}
