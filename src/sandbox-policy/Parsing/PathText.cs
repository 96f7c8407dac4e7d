namespace Labd.SandboxPolicy;

/// <summary>Normalization and classification of <c>files:</c> paths.</summary>
public static class PathText
{
    /// <summary>labd's policy directory and state: always hidden, never bindable.</summary>
    public static IReadOnlyList<string> Protected { get; } = ["/etc/labd", "/var/lib/labd", "/run/labd"];

    /// <summary>Kernel and device trees the sandbox gets its own of; rules may not name them.</summary>
    public static IReadOnlyList<string> Forbidden { get; } = ["/proc", "/sys", "/dev"];

    /// <summary>
    /// Null when <paramref name="raw"/> is acceptable; then <paramref name="normalized"/> is
    /// absolute or starts with <c>${VAR}</c>, with single slashes and no trailing slash.
    /// Otherwise a message, and <paramref name="code"/> says which kind of problem.
    /// </summary>
    public static string? TryNormalize(string raw, out string normalized, out string code, out string? suggestion)
    {
        normalized = "";
        code = DiagnosticCodes.BadPath;
        suggestion = null;
        if (raw.Length == 0)
        {
            return "empty path";
        }

        if (raw.Any(c => c < ' ' || c == '\x7f'))
        {
            return $"path '{HostName.Display(raw)}' contains a control character";
        }

        var prefix = "";
        var rest = raw;
        if (raw.StartsWith('$'))
        {
            var name = ReadVariable(raw, out var length);
            if (name is null)
            {
                suggestion = "write ${LAB}, ${WORKTREE} or ${HOME}";
                return $"malformed variable in '{raw}'";
            }

            if (!PolicyVariables.Names.Contains(name))
            {
                code = DiagnosticCodes.UnknownVariable;
                suggestion = Suggest.Closest(name, PolicyVariables.Names) is { } near
                    ? $"did you mean '${{{near}}}'?"
                    : "use ${LAB}, ${WORKTREE} or ${HOME}";

                return $"unknown variable '{name}' in '{raw}'";
            }

            prefix = "${" + name + "}";
            rest = raw[length..];
            if (rest.Length > 0 && rest[0] != '/')
            {
                suggestion = $"write '{prefix}/{rest}'";
                return $"'{raw}': a variable must be followed by '/'";
            }
        }
        else if (raw.StartsWith('~'))
        {
            code = DiagnosticCodes.RelativePath;
            suggestion = "write ${HOME} instead of ~";
            return $"path '{raw}' is not absolute";
        }
        else if (!raw.StartsWith('/'))
        {
            code = DiagnosticCodes.RelativePath;
            suggestion = "paths must be absolute or start with ${LAB}, ${WORKTREE} or ${HOME}";
            return $"path '{raw}' is relative";
        }

        if (rest.Contains('$', StringComparison.Ordinal))
        {
            code = DiagnosticCodes.UnknownVariable;
            suggestion = "a variable may only start a path";
            return $"'{raw}' uses a variable in the middle";
        }

        var segments = rest.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments.Any(s => s is "." or ".."))
        {
            suggestion = "write the path without '.' or '..'";
            return $"'{raw}' contains '.' or '..'";
        }

        var joined = "/" + string.Join('/', segments);
        normalized = prefix.Length == 0 ? joined : joined == "/" ? prefix : prefix + joined;
        return null;
    }

    /// <summary>Whether <paramref name="path"/> equals <paramref name="ancestor"/> or lies below it.</summary>
    public static bool IsSameOrUnder(string path, string ancestor) =>
        ancestor == "/" || string.Equals(path, ancestor, StringComparison.Ordinal)
        || (path.StartsWith(ancestor, StringComparison.Ordinal) && path.Length > ancestor.Length && path[ancestor.Length] == '/');

    /// <summary>Replaces a leading <c>${VAR}</c>; null when the variable has no value.</summary>
    public static string? Expand(string normalized, PolicyVariables variables, out string? missing)
    {
        missing = null;
        if (!normalized.StartsWith("${", StringComparison.Ordinal))
        {
            return normalized;
        }

        var close = normalized.IndexOf('}', StringComparison.Ordinal);
        var name = normalized[2..close];
        var value = variables.Get(name);
        if (value is null)
        {
            missing = name;
            return null;
        }

        return TryNormalize(value.TrimEnd('/') + normalized[(close + 1)..], out var expanded, out _, out _) is null
            && !expanded.StartsWith('$')
            ? expanded
            : null;
    }

    private static string? ReadVariable(string raw, out int length)
    {
        length = 0;
        string name;
        if (raw.StartsWith("${", StringComparison.Ordinal))
        {
            var close = raw.IndexOf('}', StringComparison.Ordinal);
            if (close < 3)
            {
                return null;
            }

            name = raw[2..close];
            length = close + 1;
        }
        else
        {
            var end = 1;
            while (end < raw.Length && (char.IsAsciiLetterOrDigit(raw[end]) || raw[end] == '_'))
            {
                end++;
            }

            name = raw[1..end];
            length = end;
        }

        return name.Length > 0 && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_') ? name : null;
    }
}
