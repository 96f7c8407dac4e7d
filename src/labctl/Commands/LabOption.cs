using System.CommandLine;
using Labctl.Client;
using Labd.Protocol;

namespace Labctl.Commands;

/// <summary>
/// <c>--lab NAME</c> for every command that works on one lab. Without it, the lab is the one
/// whose repository contains the current directory (asked of labd, which knows the paths).
/// </summary>
internal static class LabOption
{
    public static Option<string?> Create() => new("--lab")
    {
        Description = "The lab to work on (default: the lab containing the current directory; see `labctl lab ls`)",
    };

    /// <summary>The lab id: the option's value, else the lab containing the working directory, else (on an agent's socket) the agent's lab.</summary>
    public static async Task<string> ResolveAsync(LabdClient client, ParseResult parseResult, Option<string?> option, CancellationToken cancellationToken)
    {
        if (parseResult.GetValue(option) is { Length: > 0 } lab)
        {
            return lab;
        }
        var here = Directory.GetCurrentDirectory();
        try
        {
            var response = await client.GetAsync(Routes.LabResolveOf(here), ProtocolJsonContext.Default.LabRef, cancellationToken).ConfigureAwait(false);
            return response.Value.Id;
        }
        catch (LabdApiException e) when (e.KnownCode is ErrorCode.Forbidden or ErrorCode.LabNotFound)
        {
            // On an agent's own socket, outside its worktree (or where resolving is not served): the agent has one lab, /v1/self names it.
            var self = await client.GetAsync(Routes.Self, ProtocolJsonContext.Default.SelfInfo, cancellationToken).ConfigureAwait(false);
            if (self.Value.Lab is { } scoped)
            {
                return scoped;
            }
            throw;
        }
    }
}
