using Labd.Logging;
using Labd.Protocol;

namespace Labd.Api;

/// <summary>
/// Outermost API middleware: <see cref="LabdException"/> becomes its problem document; any
/// other exception is logged and becomes a 500 <c>internal</c> problem without the stack
/// trace; empty error responses (404 unknown route, 405) get a problem body too.
/// </summary>
internal sealed class ProblemMiddleware(RequestDelegate next, ILogger<ProblemMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context).ConfigureAwait(false);
        }
        catch (LabdException e) when (!context.Response.HasStarted)
        {
            await Problems.WriteAsync(context, e.Code, e.Message).ConfigureAwait(false);
            return;
        }
        catch (BadHttpRequestException e) when (!context.Response.HasStarted)
        {
            await Problems.WriteAsync(context, ErrorCode.BadRequest, $"malformed request: {e.Message}").ConfigureAwait(false);
            return;
        }
        catch (Exception e) when (!context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
        {
            LabdLog.UnhandledError(logger, e, context.Request.Method, context.Request.Path);
            context.Response.Clear();
            await Problems.WriteAsync(context, ErrorCode.Internal,
                $"labd hit an internal error (trace id {context.TraceIdentifier}); the details are in labd's log (journalctl -u labd)").ConfigureAwait(false);
            return;
        }
        if (context.Response is { HasStarted: false, StatusCode: >= 400, ContentType: null })
        {
            await WriteEmptyStatusAsync(context).ConfigureAwait(false);
        }
    }

    private static Task WriteEmptyStatusAsync(HttpContext context)
    {
        var path = context.Request.Path.Value;
        return context.Response.StatusCode switch
        {
            StatusCodes.Status404NotFound => Problems.WriteAsync(context, ErrorCode.NotFound,
                $"no route {context.Request.Method} {path}; see GET {Routes.Version} for what this labd supports, or the API reference in docs/"),
            StatusCodes.Status405MethodNotAllowed => Problems.WriteAsync(context, ErrorCode.MethodNotAllowed,
                $"{path} does not accept {context.Request.Method}; see the API reference in docs/"),
            _ => Problems.WriteAsync(context, ErrorCode.BadRequest, $"request refused with status {context.Response.StatusCode}"),
        };
    }
}
