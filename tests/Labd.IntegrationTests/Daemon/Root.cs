using System.Globalization;

namespace Labd.IntegrationTests.Daemon;

/// <summary>Loud skips for tests that need root.</summary>
internal static class Root
{
    public static bool IsRoot => Uid() == 0;

    public static void Require(string why)
    {
        if (!IsRoot)
        {
            Assert.Skip($"needs root: {why}");
        }
    }

    private static int Uid() =>
        int.Parse(File.ReadLines("/proc/self/status").First(l => l.StartsWith("Uid:", StringComparison.Ordinal))
            .Split('\t', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
}
