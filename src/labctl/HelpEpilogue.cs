using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;

namespace Labctl;

/// <summary>Adds the exit code table and environment to <c>labctl --help</c>, and a command's own epilogue to its help.</summary>
internal sealed class HelpEpilogue(HelpAction help) : SynchronousCommandLineAction
{
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<Command, string> Epilogues = [];

    /// <summary>Text printed after <paramref name="command"/>'s own help only (its description stays one line in the parent's list).</summary>
    public static void Add(Command command, string text) => Epilogues.AddOrUpdate(command, text);

    public static void Attach(RootCommand root)
    {
        foreach (var option in root.Options)
        {
            if (option is HelpOption { Action: HelpAction help } helpOption)
            {
                helpOption.Action = new HelpEpilogue(help);
            }
        }
    }

    public override int Invoke(ParseResult parseResult)
    {
        var exitCode = help.Invoke(parseResult);
        if (parseResult.CommandResult.Command is RootCommand)
        {
            Write(parseResult.InvocationConfiguration.Output);
        }
        else if (Epilogues.TryGetValue(parseResult.CommandResult.Command, out var epilogue))
        {
            parseResult.InvocationConfiguration.Output.WriteLine(epilogue);
        }
        return exitCode;
    }

    public static void Write(TextWriter output)
    {
        output.WriteLine("Exit codes:");
        foreach (var (code, meaning) in ExitCodes.Describe)
        {
            output.WriteLine($"  {code,-3} {meaning}");
        }
        output.WriteLine();
        output.WriteLine("Environment:");
        output.WriteLine($"  {GlobalOptions.SocketVariable,-21} labd's socket (default {GlobalOptions.DefaultSocket})");
        output.WriteLine($"  {GlobalOptions.SandboxSocketVariable,-21} inside a sandbox, its own socket (labd sets it; used when {GlobalOptions.SocketVariable} is unset)");
        output.WriteLine($"  {"NO_COLOR",-21} set to anything to turn colours off");
        output.WriteLine($"  {Client.ConnectRetry.Variable,-21} inside a sandbox, how long to wait out a labd restart (default 60; 0: fail at once)");
        output.WriteLine($"  {Cli.DebugVariable,-21} 1: print the whole exception after an unforeseen error");
        output.WriteLine();
        output.WriteLine($"Reference: {Path.Join(DocDirectory(), "cli.md")} (all of labd's docs are beside it). Something wrong? `labctl doctor`.");
    }

    /// <summary>
    /// Where the docs are installed: the packages put them in /usr/share/doc/labd, scripts/install
    /// in $PREFIX/share/doc/labd (/usr/local by default). The packages' path when neither is there.
    /// </summary>
    private static string DocDirectory() =>
        DocDirectories.FirstOrDefault(d => File.Exists(Path.Join(d, "cli.md"))) ?? DocDirectories[0];

    internal static readonly string[] DocDirectories = ["/usr/share/doc/labd", "/usr/local/share/doc/labd"];
}
