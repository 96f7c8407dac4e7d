namespace Labd.SandboxPolicy;

/// <summary>Policy and agent names: lowercase letters, digits, '.', '_' and '-', starting alphanumeric.</summary>
public static class PolicyNames
{
    public static bool IsValid(string name) =>
        name.Length is > 0 and <= 64
        && (char.IsAsciiLetterLower(name[0]) || char.IsAsciiDigit(name[0]))
        && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '.' or '_' or '-');
}
