using System.CommandLine;

namespace Labctl.Commands;

/// <summary>
/// <c>labctl policy ls|show|check|explain|reload</c>: the admin workflow is edit →
/// <c>policy check</c> → <c>policy reload</c> (or <c>systemctl reload labd</c>).
/// </summary>
internal static class PolicyCommand
{
    public static Command Create(CliContext context) => new("policy", "List, show, check, explain and reload sandbox policies")
    {
        PolicyListCommand.Create(context),
        PolicyShowCommand.Create(context),
        PolicyCheckCommand.Create(context),
        PolicyExplainCommand.Create(context),
        PolicyReloadCommand.Create(context),
    };
}
