using System.Text.Json;
using Labd.Protocol;

namespace Labd.IntegrationTests.Daemon;

/// <summary>
/// A request made by a separate process running as another user (setpriv + curl), so labd
/// sees that user's real SO_PEERCRED.
/// </summary>
internal sealed record Curl(int ExitCode, int Status, string Body)
{
    public static async Task<Curl> AsUserAsync(string user, string socket, string method, string path, string? body, CancellationToken cancellationToken)
    {
        var (uid, gid) = await TestAccounts.IdsAsync(user, cancellationToken);
        List<string> args =
        [
            "--reuid", uid.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--regid", gid.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--init-groups",
            "curl", "-sS", "--max-time", "20", "-X", method, "-w", "\n%{http_code}", "--unix-socket", socket,
        ];
        if (body is not null)
        {
            args.AddRange(["-H", "Content-Type: application/json", "--data-binary", body]);
        }
        args.Add("http://labd" + path);
        var (exit, stdout, _) = await Command.RunAsync("setpriv", args, cancellationToken);
        var newline = stdout.LastIndexOf('\n');
        var status = int.TryParse(stdout[(newline + 1)..], System.Globalization.CultureInfo.InvariantCulture, out var s) ? s : 0;
        return new Curl(exit, status, newline < 0 ? "" : stdout[..newline]);
    }

    public Problem Problem() => JsonSerializer.Deserialize(Body, ProtocolJsonContext.Default.Problem)!;

    public StatusInfo StatusInfo() => JsonSerializer.Deserialize(Body, ProtocolJsonContext.Default.StatusInfo)!;
}
