using System.ComponentModel;
using Labd.Logging;
using Labd.SandboxPolicy.Config;

namespace Labd.Hosting;

/// <summary>
/// <c>labd mount-state [--config PATH] [--state-dir DIR]</c>: makes the state directory a
/// nosuid,nodev mount (<see cref="StateMount"/>). The shipped unit runs it as
/// <c>ExecStartPre=+</c>, which systemd runs outside the unit's own mount namespace, so the mount
/// protects the host, not only labd's view. labd itself does the same at start-up where it runs
/// in the host's mount namespace.
/// </summary>
internal static class StateMountCommand
{
    public const string Usage = "usage: labd mount-state [--config PATH] [--state-dir DIR]";

    public static int Execute(string[] args)
    {
        string stateDirectory;
        try
        {
            stateDirectory = new LabdSettings(LabdArguments.Parse(args)).StateDir;
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"labd mount-state: {e.Message.Split('\n')[0]}\n{Usage}");
            return Program.ExitUsage;
        }
        catch (ConfigException e)
        {
            Console.Error.WriteLine("labd mount-state: " + e.Message);
            return Program.ExitConfig;
        }
        try
        {
            var outcome = StateMount.Ensure(stateDirectory);
            Console.WriteLine($"labd: {stateDirectory} is a nosuid,nodev mount ({Describe(outcome)})");
            return 0;
        }
        catch (Exception e) when (e is IOException or Win32Exception or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"labd mount-state: cannot make {stateDirectory} a nosuid,nodev mount ({e.Message}); run it as root in the host's mount namespace");
            return 1;
        }
    }

    /// <summary>At labd's start-up: the mount where this process is in the host's mount namespace
    /// (or cannot tell); elsewhere (under systemd) only a warning if ExecStartPre did not make it.</summary>
    public static void AtStartup(string stateDirectory, ILogger logger)
    {
        try
        {
            if (StateMount.InHostNamespace() == false)
            {
                if (!StateMount.IsProtected(stateDirectory))
                {
                    LabdLog.StateNotProtected(logger, stateDirectory, "labd runs in a mount namespace of its own, where a mount would not protect the host; run `labd mount-state` in the host's (the shipped unit's ExecStartPre does)");
                }
                return;
            }
            LabdLog.StateMounted(logger, stateDirectory, Describe(StateMount.Ensure(stateDirectory)));
        }
        catch (Exception e) when (e is IOException or Win32Exception or UnauthorizedAccessException)
        {
            LabdLog.StateNotProtected(logger, stateDirectory, e.Message);
        }
    }

    private static string Describe(StateMount.Outcome outcome) => outcome switch
    {
        StateMount.Outcome.AlreadyMounted => "it already was",
        StateMount.Outcome.Remounted => "its mount was given the flags",
        _ => "bound onto itself",
    };
}
