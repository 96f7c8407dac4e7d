using Labd.SandboxPolicy.Config;

namespace Labd.Hosting;

/// <summary>
/// The configuration in force: labd.yaml with the command-line flags applied on top.
/// Replaced as a whole on reload (SIGHUP); readers take <see cref="Current"/> once per use.
/// </summary>
internal sealed class LabdSettings
{
    private readonly LabdArguments _arguments;
    private volatile LabdConfig _current;

    public LabdSettings(LabdArguments arguments)
    {
        _arguments = arguments;
        _current = Load();
        // The socket and the state directory are bound at start; reload never moves them.
        Socket = _current.Socket;
        StateDir = _current.StateDir;
    }

    public string Socket { get; }

    public string StateDir { get; }

    public LabdConfig Current => _current;

    /// <summary>True when the last reload asked for another socket or state dir, which only a restart applies.</summary>
    public bool RestartNeeded { get; private set; }

    /// <summary>Re-reads the file. On error throws <see cref="ConfigException"/> and keeps the previous configuration.</summary>
    public LabdConfig Reload()
    {
        var next = Load();
        RestartNeeded = next.Socket != Socket || next.StateDir != StateDir;
        _current = next with { Socket = Socket, StateDir = StateDir };
        return _current;
    }

    private LabdConfig Load()
    {
        var config = LabdConfigLoader.Load(_arguments.ConfigPath, mustExist: _arguments.ConfigGiven);
        return config with
        {
            Socket = _arguments.Socket ?? config.Socket,
            StateDir = _arguments.StateDir ?? config.StateDir,
        };
    }
}
