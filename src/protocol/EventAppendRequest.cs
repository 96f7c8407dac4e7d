using System.Text.Json;

namespace Labd.Protocol;

/// <summary>
/// Body of <c>POST /v1/events</c> (admins only): an admin annotation appended to the audit
/// log, like <c>logger(1)</c> for labd. <see cref="Data"/> is any JSON value.
/// </summary>
public sealed record EventAppendRequest(string Kind, string? Subject, JsonElement? Data);
