using Labd.SandboxPolicy.Config;

namespace Labd.Hosting;

/// <summary>Command-line flags. Flags override labd.yaml.</summary>
internal sealed record LabdArguments(
    string ConfigPath,
    bool ConfigGiven,
    string? StateDir,
    string? Socket,
    bool Foreground)
{
    public const string Usage =
        "usage: labd [--foreground] [--config PATH] [--state-dir DIR] [--socket PATH]\n" +
        "  --foreground   log to the console (development); default logs to journald under systemd\n" +
        "  --config PATH  configuration file (default /etc/labd/labd.yaml)\n" +
        "  --state-dir    state directory (default /var/lib/labd)\n" +
        "  --socket PATH  API socket (default /run/labd/labd.sock)";

    /// <summary>Full help for <c>labd --help</c>: what labd is, its flags, signals and files.</summary>
    public const string Help =
        "labd - runs untrusted coding agents and their experiments in sandboxes, as root.\n\n" +
        Usage + "\n" +
        "  --help         print this help and exit\n" +
        "  --version      print the version and exit\n" +
        "labd mount-state [--config PATH] [--state-dir DIR] makes the state directory a nosuid,nodev\n" +
        "mount of itself (the unit's ExecStartPre; labd also does it at start in the host's mount namespace).\n\n" +
        "Signals: SIGHUP reloads labd.yaml and the policies (systemctl reload labd); SIGTERM stops labd,\n" +
        "leaving running sandboxes to their supervisors.\n" +
        "Files: /etc/labd/labd.yaml (every key optional), /etc/labd/policies/*.yaml, /var/lib/labd (state),\n" +
        "/run/labd/labd.sock (API; mode 0660, group labd). Talk to labd with labctl (labctl --help).\n" +
        "Exit codes: 0 stopped cleanly, 1 failed to start, 64 bad arguments, 78 invalid configuration.";

    /// <summary>Whether the arguments ask only for help or the version (answered without starting anything).</summary>
    public static string? InformationRequested(IReadOnlyList<string> args, string version) =>
        args.Count == 1 ? args[0] switch
        {
            "--help" or "-h" => Help,
            "--version" => "labd " + version,
            _ => null,
        } : null;

    /// <summary>Parses flags; throws <see cref="ArgumentException"/> with a usage hint on anything unknown.</summary>
    public static LabdArguments Parse(IReadOnlyList<string> args)
    {
        var result = new LabdArguments(LabdConfig.DefaultPath, false, null, null, false);
        for (var i = 0; i < args.Count; i++)
        {
            var (name, inline) = SplitInline(args[i]);
            string Value()
            {
                if (inline is not null)
                {
                    return inline;
                }
                if (i + 1 >= args.Count || args[i + 1].Length == 0)
                {
                    throw new ArgumentException($"{name} needs a value\n{Usage}");
                }
                return args[++i];
            }
            result = name switch
            {
                "--foreground" when inline is null => result with { Foreground = true },
                "--config" => result with { ConfigPath = Path.GetFullPath(Value()), ConfigGiven = true },
                "--state-dir" => result with { StateDir = Path.GetFullPath(Value()) },
                "--socket" => result with { Socket = Path.GetFullPath(Value()) },
                _ => throw new ArgumentException($"unknown argument '{args[i]}'\n{Usage}"),
            };
        }
        return result;
    }

    private static (string Name, string? Inline) SplitInline(string arg)
    {
        var eq = arg.IndexOf('=', StringComparison.Ordinal);
        return arg.StartsWith("--", StringComparison.Ordinal) && eq > 0 ? (arg[..eq], arg[(eq + 1)..]) : (arg, null);
    }
}
