using System.Reflection;

namespace Labctl;

/// <summary>This labctl's version, from the assembly's informational version (set by the build).</summary>
internal static class ClientVersion
{
    public static string Current { get; } = Read();

    private static string Read()
    {
        var version = typeof(ClientVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
        // The SDK appends "+<commit>" when source control information is available; keep it short.
        var plus = version.IndexOf('+', StringComparison.Ordinal);
        return plus > 0 && version.Length > plus + 8 ? version[..(plus + 8)] : version;
    }
}
