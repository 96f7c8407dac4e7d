namespace Labd.Protocol;

/// <summary>Body of <c>POST /v1/labs/{lab}/tags/rename</c>: every <c>From</c> becomes <c>To</c> (merged when <c>To</c> exists).</summary>
public sealed record TagRenameRequest(string From, string To);
