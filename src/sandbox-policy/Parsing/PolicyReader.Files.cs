using System.Collections.Immutable;
using Labd.SandboxPolicy.Yaml;

namespace Labd.SandboxPolicy;

internal sealed partial class PolicyReader
{
    private static readonly string[] Modes = ["rw", "ro", "hidden"];

    private void ReadFiles(YamlNode value)
    {
        if (Mapping(value, "files") is not { } files)
        {
            return;
        }

        var rules = ImmutableArray.CreateBuilder<PathRule>();
        var byPath = new Dictionary<string, PathRule>(StringComparer.Ordinal);
        foreach (var (key, node) in files.Entries)
        {
            var mode = ReadMode(node);
            if (PathText.TryNormalize(key.Value, out var path, out var code, out var suggestion) is { } problem)
            {
                diagnostics.Error(code, problem, key.Location, suggestion);
                continue;
            }

            if (mode is not { } m || !CheckPath(key, path, m))
            {
                continue;
            }

            var rule = new PathRule(path, m, key.Value, key.Location);
            if (byPath.TryGetValue(path, out var first))
            {
                if (first.Mode != m)
                {
                    diagnostics.Error(
                        DiagnosticCodes.PathConflict,
                        $"'{key.Value}' is {ModeName(m)} here but {ModeName(first.Mode)} as '{first.Text}' at line {first.Origin.Line}",
                        key.Location,
                        "keep one mode per path");
                }
                else
                {
                    diagnostics.Warning(DiagnosticCodes.DuplicateRule, $"'{key.Value}' repeats '{first.Text}' at line {first.Origin.Line}", key.Location, "remove one of them");
                }

                continue;
            }

            byPath[path] = rule;
            rules.Add(rule);
        }

        _files = rules.ToImmutable();
    }

    private AccessMode? ReadMode(YamlNode node)
    {
        if (Scalar(node, "a file mode") is not { } s)
        {
            return null;
        }

        switch (s.Value)
        {
            case "rw":
                return AccessMode.ReadWrite;
            case "ro":
                return AccessMode.ReadOnly;
            case "hidden":
                return AccessMode.Hidden;
        }

        var suggestion = Suggest.DidYouMean(s.Value, Modes);
        diagnostics.Error(DiagnosticCodes.UnknownMode, $"unknown mode '{HostName.Display(s.Value)}'; use rw, ro or hidden", s.Location, suggestion);
        return null;
    }

    private bool CheckPath(YamlScalar key, string path, AccessMode mode)
    {
        if (path.StartsWith('$'))
        {
            if (mode == AccessMode.ReadWrite && path == "${HOME}")
            {
                diagnostics.Warning(DiagnosticCodes.BroadFileRule, "rw on ${HOME} lets the sandbox change the user's whole home (shell rc files, ssh keys)", key.Location, "bind the directories it needs");
            }

            return true;
        }

        if (PathText.Forbidden.FirstOrDefault(f => PathText.IsSameOrUnder(path, f)) is { } forbidden)
        {
            diagnostics.Error(DiagnosticCodes.ForbiddenPath, $"'{key.Value}' is under {forbidden}, which the sandbox gets its own of", key.Location, "remove the rule; GPUs are granted with 'gpus:'");
            return false;
        }

        if (mode != AccessMode.Hidden && PathText.Protected.FirstOrDefault(p => PathText.IsSameOrUnder(path, p)) is { } state)
        {
            diagnostics.Error(DiagnosticCodes.ProtectedPath, $"'{key.Value}' would expose labd's policy or state ({state}), which is always hidden", key.Location, "remove the rule");
            return false;
        }

        if (path == "/" && mode != AccessMode.Hidden)
        {
            diagnostics.Warning(DiagnosticCodes.BroadFileRule, $"'/: {ModeName(mode)}' exposes every host file (labd's own directories stay hidden)", key.Location, "list the directories the sandbox needs");
        }
        else if (mode == AccessMode.ReadWrite && PathText.IsSameOrUnder("/home", path))
        {
            diagnostics.Warning(DiagnosticCodes.BroadFileRule, $"rw on '{key.Value}' lets the sandbox change every user's home", key.Location, "bind the directories it needs");
        }
        else if (PathText.IsSameOrUnder(path, "/tmp") && mode != AccessMode.Hidden)
        {
            diagnostics.Warning(DiagnosticCodes.BroadFileRule, $"'{key.Value}' binds the host's /tmp over the sandbox's private /tmp", key.Location, "use a path under ${LAB} instead");
        }

        return true;
    }

    internal static string ModeName(AccessMode mode) => mode switch
    {
        AccessMode.ReadWrite => "rw",
        AccessMode.ReadOnly => "ro",
        _ => "hidden",
    };
}
