using System.CommandLine;

namespace Labctl.Commands;

/// <summary>
/// <c>labctl completion bash|zsh|fish</c>: a script that asks labctl itself for completions
/// through System.CommandLine's <c>[suggest:POSITION]</c> directive, so it never goes stale.
/// </summary>
internal static class CompletionCommand
{
    internal const string Bash = """
        # labctl completion for bash: source <(labctl completion bash)
        _labctl_complete() {
          local IFS=$'\n'
          COMPREPLY=($(command labctl "[suggest:${COMP_POINT}]" "${COMP_LINE}" 2>/dev/null))
        }
        complete -o default -F _labctl_complete labctl
        """;

    internal const string Zsh = """
        # labctl completion for zsh: source <(labctl completion zsh)
        _labctl() {
          local -a candidates
          candidates=("${(@f)$(command labctl "[suggest:${#BUFFER}]" "$BUFFER" 2>/dev/null)}")
          compadd -- $candidates
        }
        compdef _labctl labctl
        """;

    internal const string Fish = """
        # labctl completion for fish: labctl completion fish | source
        complete -c labctl -f -a '(command labctl "[suggest:"(string length -- (commandline -cp))"]" (commandline -cp) 2>/dev/null)'
        """;

    public static Command Create(CliContext context)
    {
        var shell = new Argument<string>("shell") { Description = "bash, zsh or fish" };
        shell.AcceptOnlyFromAmong("bash", "zsh", "fish");
        var command = new Command("completion", "Print a shell completion script (bash: `source <(labctl completion bash)`)");
        command.Arguments.Add(shell);
        command.SetAction(parseResult =>
        {
            context.Console.Out.WriteLine(parseResult.GetValue(shell) switch
            {
                "zsh" => Zsh,
                "fish" => Fish,
                _ => Bash,
            });
            return ExitCodes.Ok;
        });
        return command;
    }
}
