namespace Labd.Api;

/// <summary>
/// A caller fixed for a whole connection by the listener it arrived on: a per-sandbox
/// socket sets it in a Kestrel connection middleware
/// (<c>listenOptions.Use(next => c => { c.Features.Set(new ConnectionCallerFeature(agent)); return next(c); })</c>),
/// and <see cref="CallerMiddleware"/> then uses it instead of the main socket's group rules.
/// Requests cannot set connection features, so this cannot be spoofed from the wire.
/// </summary>
internal sealed record ConnectionCallerFeature(Caller Caller);
