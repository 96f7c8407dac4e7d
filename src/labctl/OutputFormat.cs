namespace Labctl;

/// <summary>What <c>-o|--output</c> selects.</summary>
internal enum OutputFormat
{
    /// <summary>Aligned key/value lists and tables for people.</summary>
    Table,

    /// <summary>JSON for scripts: labd's own documents where there is one.</summary>
    Json,
}
