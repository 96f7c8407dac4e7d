using System.Text.Json;
using Labd.Api;
using Labd.Protocol;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;

namespace Labd.Tests.Api;

public sealed class ProblemMiddlewareTests
{
    [Fact(Timeout = 10000)]
    public async Task An_unhandled_exception_becomes_a_500_problem_without_the_stack_trace()
    {
        var (context, body) = NewContext(TestContext.Current.CancellationToken);
        var middleware = new ProblemMiddleware(_ => throw new InvalidOperationException("secret internals at /var/lib/labd"), NullLogger<ProblemMiddleware>.Instance);

        await middleware.InvokeAsync(context);

        var problem = Read(context, body);
        Assert.Equal(500, context.Response.StatusCode);
        Assert.Equal("internal", problem.Code);
        Assert.Contains("journalctl -u labd", problem.Detail, StringComparison.Ordinal);
        var text = System.Text.Encoding.UTF8.GetString(body.ToArray());
        Assert.DoesNotContain("secret internals", text, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", text, StringComparison.Ordinal);
    }

    [Fact(Timeout = 10000)]
    public async Task A_labd_exception_keeps_its_code_and_detail()
    {
        var (context, body) = NewContext(TestContext.Current.CancellationToken);
        var middleware = new ProblemMiddleware(_ => throw new LabdException(ErrorCode.NotAMember, "ask an admin"), NullLogger<ProblemMiddleware>.Instance);

        await middleware.InvokeAsync(context);

        var problem = Read(context, body);
        Assert.Equal(403, problem.Status);
        Assert.Equal("not-a-member", problem.Code);
        Assert.Equal("ask an admin", problem.Detail);
    }

    [Fact(Timeout = 10000)]
    public async Task An_empty_404_gets_a_problem_body()
    {
        var (context, body) = NewContext(TestContext.Current.CancellationToken);
        var middleware = new ProblemMiddleware(c =>
        {
            c.Response.StatusCode = 404;
            return Task.CompletedTask;
        }, NullLogger<ProblemMiddleware>.Instance);

        await middleware.InvokeAsync(context);

        Assert.Equal("not-found", Read(context, body).Code);
    }

    [Fact]
    public void Every_error_code_has_a_distinct_wire_name_that_round_trips()
    {
        var codes = Enum.GetValues<ErrorCode>();

        Assert.Equal(codes.Length, codes.Select(c => c.ToWire()).Distinct().Count());
        Assert.All(codes, c => Assert.Equal(c, ErrorCodes.FromWire(c.ToWire())));
    }

    private static (DefaultHttpContext Context, MemoryStream Body) NewContext(CancellationToken cancellationToken)
    {
        var body = new MemoryStream();
        var context = new DefaultHttpContext();
        context.Request.Method = "GET";
        context.Request.Path = "/v1/x";
        context.Response.Body = body;
        context.RequestAborted = cancellationToken;
        return (context, body);
    }

    private static Problem Read(DefaultHttpContext context, MemoryStream body)
    {
        Assert.Equal(Problem.MediaType, context.Response.ContentType);
        return JsonSerializer.Deserialize(body.ToArray(), ProtocolJsonContext.Default.Problem)!;
    }
}
