using System.Net;
using System.Text.Json;
using Labd.Protocol;

namespace Labctl.Client;

/// <summary>Turns an error answer from labd into a <see cref="LabdApiException"/>.</summary>
internal static class ProblemReader
{
    public static LabdApiException ToException(HttpStatusCode status, string? mediaType, string body)
    {
        var problem = TryParse(mediaType, body);
        if (problem is not null)
        {
            var detail = string.IsNullOrWhiteSpace(problem.Detail) ? problem.Title : problem.Detail;
            return new LabdApiException(problem.Code, status, detail) { Errors = problem.Errors ?? [] };
        }
        var text = body.Trim();
        return new LabdApiException(
            FallbackCode(status).ToWire(),
            status,
            text.Length == 0 ? $"labd answered {(int)status} {status}" : $"labd answered {(int)status} {status}: {text}");
    }

    private static Problem? TryParse(string? mediaType, string body)
    {
        if (mediaType is not (Problem.MediaType or "application/json"))
        {
            return null;
        }
        try
        {
            var problem = JsonSerializer.Deserialize(body, ProtocolJsonContext.Default.Problem);
            return problem is { Code.Length: > 0 } ? problem : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static ErrorCode FallbackCode(HttpStatusCode status) => status switch
    {
        HttpStatusCode.BadRequest => ErrorCode.BadRequest,
        HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized => ErrorCode.Forbidden,
        HttpStatusCode.NotFound => ErrorCode.NotFound,
        HttpStatusCode.Conflict => ErrorCode.Conflict,
        HttpStatusCode.ServiceUnavailable => ErrorCode.Unavailable,
        HttpStatusCode.TooManyRequests => ErrorCode.RateLimited,
        _ => ErrorCode.Internal,
    };
}
