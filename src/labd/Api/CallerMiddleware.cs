using Labd.Interop;
using Labd.Logging;
using Microsoft.AspNetCore.Connections.Features;

namespace Labd.Api;

/// <summary>
/// Reads SO_PEERCRED from the request's Unix socket, resolves the <see cref="Caller"/> and
/// stores it as a request feature (<see cref="CallerHttpContextExtensions.GetCaller"/>).
/// Non-members get 403 <c>not-a-member</c> before any endpoint runs.
/// </summary>
internal sealed class CallerMiddleware(RequestDelegate next, CallerResolver resolver, ILogger<CallerMiddleware> logger)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (context.Features.Get<ConnectionCallerFeature>() is { } fixedByListener)
        {
            if (!SandboxCallerRules.Allows(fixedByListener.Caller, context.Request.Path))
            {
                throw SandboxCallerRules.Refusal(fixedByListener.Caller, context.Request.Path);
            }
            context.Features.Set(fixedByListener.Caller);
            return next(context);
        }
        var socket = context.Features.Get<IConnectionSocketFeature>()?.Socket
            ?? throw new InvalidOperationException("the connection has no socket; labd only listens on Unix sockets");
        var peer = PeerCredentials.Of(socket);
        Caller caller;
        try
        {
            caller = resolver.Resolve(peer);
        }
        catch (LabdException e)
        {
            LabdLog.Refused(logger, peer.Uid, e.Message);
            throw;
        }
        context.Features.Set(caller);
        return next(context);
    }
}
