using System.Diagnostics;
using System.Globalization;
using Labd.IntegrationTests.Daemon;

namespace Labd.IntegrationTests.TestBed;

/// <summary>
/// A user as Debian 12 makes one: <c>adduser --disabled-password --gecos ''</c> (a 0700 home),
/// then <c>usermod -aG labd</c> as the README says. Removed with its home on dispose.
/// </summary>
internal sealed class NewUser : IAsyncDisposable
{
    private NewUser(string name, string home, int uid, int gid)
    {
        Name = name;
        Home = home;
        Uid = uid;
        Gid = gid;
    }

    public string Name { get; }

    public int Uid { get; }

    public int Gid { get; }

    public string Home { get; }

    /// <summary>The home's permission bits, as <c>stat -c %a</c> prints them.</summary>
    public string HomeMode => Convert.ToString((int)File.GetUnixFileMode(Home), 8);

    public override string ToString() => $"{Name} (uid {Uid.ToString(CultureInfo.InvariantCulture)})";

    /// <summary>Makes the user and adds them to <paramref name="groups"/> (the packaged <c>labd</c> group by default).</summary>
    public static async Task<NewUser> AddAsync(CancellationToken cancellationToken, params string[] groups)
    {
        Root.Require("creates a user with adduser");
        var name = "labdt-a-" + Guid.NewGuid().ToString("N")[..8];
        await Command.CheckedAsync("adduser", ["--disabled-password", "--gecos", "", "--quiet", name], cancellationToken);
        foreach (var group in groups.Length == 0 ? [Acceptance.AcceptanceBed.UsersGroup] : groups)
        {
            await Command.CheckedAsync("usermod", ["-aG", group, name], cancellationToken);
        }
        var (uid, gid) = await TestAccounts.IdsAsync(name, cancellationToken);
        var home = (await Command.CheckedAsync("getent", ["passwd", name], cancellationToken)).Trim().Split(':')[5];
        return new NewUser(name, home, uid, gid);
    }

    /// <summary>Runs <paramref name="script"/> with bash as this user in <paramref name="workingDirectory"/>
    /// (their home by default), with a login-like environment plus <paramref name="environment"/>.
    /// After <paramref name="interruptAfter"/> its process group gets SIGINT, as Ctrl-C would send.</summary>
    public async Task<(int ExitCode, string Stdout, string Stderr)> ShAsync(string script, IReadOnlyDictionary<string, string> environment, CancellationToken cancellationToken,
        string? workingDirectory = null, TimeSpan? interruptAfter = null)
    {
        // setsid: its own process group, so Ctrl-C's SIGINT reaches the shell and what it runs, as from a terminal.
        var start = new ProcessStartInfo("setsid")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = workingDirectory ?? Home,
        };
        foreach (var arg in (string[])["setpriv", "--reuid", Uid.ToString(CultureInfo.InvariantCulture), "--regid", Gid.ToString(CultureInfo.InvariantCulture), "--init-groups", "--", "bash", "-c", script])
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment.Clear();
        start.Environment["HOME"] = Home;
        start.Environment["USER"] = Name;
        start.Environment["LOGNAME"] = Name;
        start.Environment["LANG"] = "C.UTF-8";
        start.Environment["NO_COLOR"] = "1";
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }
        var process = Process.Start(start)!;
        process.StandardInput.Close();
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (interruptAfter is { } delay)
        {
            var pid = process.Id;
            // Cancelled as soon as the process has ended, so a recycled pid is never signalled.
            _ = Task.Delay(delay, ended.Token).ContinueWith(t =>
            {
                if (!t.IsCanceled)
                {
                    _ = Command.RunAsync("kill", ["-s", "INT", "--", "-" + pid.ToString(CultureInfo.InvariantCulture)], CancellationToken.None);
                }
            }, TaskScheduler.Default);
        }
        try
        {
            return await Command.CollectAsync(process, cancellationToken);
        }
        finally
        {
            await ended.CancelAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Whatever the user left running (an agent's labctl, a shell) goes first; deluser refuses otherwise.
        await Command.RunAsync("pkill", ["-KILL", "-u", Name], CancellationToken.None);
        await Command.RunAsync("deluser", ["--remove-home", "--quiet", Name], CancellationToken.None);
    }
}
