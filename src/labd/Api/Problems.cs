using Labd.Protocol;

namespace Labd.Api;

/// <summary>Writes RFC 9457 problem documents with labd's stable <c>code</c>.</summary>
internal static class Problems
{
    public static int StatusOf(ErrorCode code) => code switch
    {
        ErrorCode.BadRequest => StatusCodes.Status400BadRequest,
        ErrorCode.NotFound or ErrorCode.PolicyNotFound or ErrorCode.RunNotFound or ErrorCode.LabNotFound or ErrorCode.IdeaNotFound or ErrorCode.ExperimentNotFound or ErrorCode.AgentNotFound => StatusCodes.Status404NotFound,
        ErrorCode.Forbidden or ErrorCode.NotAMember => StatusCodes.Status403Forbidden,
        ErrorCode.Conflict or ErrorCode.MergeConflict => StatusCodes.Status409Conflict,
        ErrorCode.NotARepository => StatusCodes.Status400BadRequest,
        ErrorCode.PolicyInvalid => StatusCodes.Status422UnprocessableEntity,
        ErrorCode.Unavailable or ErrorCode.SandboxUnavailable => StatusCodes.Status503ServiceUnavailable,
        ErrorCode.MethodNotAllowed => StatusCodes.Status405MethodNotAllowed,
        ErrorCode.RateLimited => StatusCodes.Status429TooManyRequests,
        _ => StatusCodes.Status500InternalServerError,
    };

    public static Problem Create(ErrorCode code, string detail)
    {
        var status = StatusOf(code);
        var wire = code.ToWire();
        return new Problem($"urn:labd:problem:{wire}", ReasonPhrase(status), status, detail, wire);
    }

    public static async Task WriteAsync(HttpContext context, ErrorCode code, string detail)
    {
        var problem = Create(code, detail);
        context.Response.StatusCode = problem.Status;
        context.Response.ContentType = Problem.MediaType;
        await System.Text.Json.JsonSerializer.SerializeAsync(
            context.Response.Body, problem, ProtocolJsonContext.Default.Problem, context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>A problem as an endpoint result.</summary>
    public static IResult Result(ErrorCode code, string detail)
    {
        var problem = Create(code, detail);
        return Results.Json(problem, ProtocolJsonContext.Default.Problem, Problem.MediaType, problem.Status);
    }

    private static string ReasonPhrase(int status) =>
        Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status) is { Length: > 0 } phrase ? phrase : "Error";
}
