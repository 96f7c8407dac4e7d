using System.Globalization;
using System.Threading.RateLimiting;
using Labd.Hosting;
using Labd.Protocol;
using Labd.SandboxPolicy.Config;
using Microsoft.AspNetCore.Http.Features;

namespace Labd.Api;

/// <summary>
/// Per-caller limits on tracker writes (labs, metrics, ideas, notes, tags, messages): a request
/// body of at most <see cref="MaxBody"/> bytes, and a token bucket per caller
/// (<c>limits.trackerWriteBurst</c> writes at once, refilled at <c>limits.trackerWritesPerMinute</c>),
/// so one caller's flood fills only its own bucket and never delays another's writes. A caller
/// is a host user by uid (all their terminals together), an agent by its session, an experiment
/// by its run. Admins (root and <c>groups.admins</c>) are operators, not tenants: they have no
/// bucket, so a script that drives labd as root is never throttled. A refused write is a 429 <c>rate-limited</c> problem with <c>Retry-After</c>; the
/// limits are re-read from labd.yaml on reload (buckets start full again then).
/// </summary>
internal sealed class WriteQuota(LabdSettings settings) : IDisposable
{
    /// <summary>Room for the largest text a write takes (20,000 characters, JSON-escaped) and its fields.</summary>
    public const long MaxBody = 256 * 1024;

    private readonly Lock _lock = new();
    private (LimitsConfig Limits, PartitionedRateLimiter<string>? Limiter) _current;

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        CheckBody(http);
        var (limits, limiter) = Current();
        var caller = http.GetCaller();
        if (limiter is not null && !caller.IsAdmin)
        {
            using var lease = limiter.AttemptAcquire(KeyOf(caller));
            if (!lease.IsAcquired)
            {
                var retry = lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromSeconds(1);
                var seconds = Math.Max(1, (int)Math.Ceiling(retry.TotalSeconds));
                http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                throw new LabdException(ErrorCode.RateLimited, string.Create(CultureInfo.InvariantCulture,
                    $"too many writes: each caller may make {limits.TrackerWriteBurst} at once and {limits.TrackerWritesPerMinute} a minute (labd.yaml limits.trackerWritesPerMinute); retry in {seconds} s"));
            }
        }
        return await next(context).ConfigureAwait(false);
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _current.Limiter?.Dispose();
        }
    }

    /// <summary>Who a bucket belongs to: a sandbox by its session or run, anyone else by uid.</summary>
    internal static string KeyOf(Caller caller) => caller.Scope switch
    {
        { AgentId: { } agent } => "agent:" + agent,
        { RunId: { } run } => "run:" + run,
        _ => "uid:" + caller.Uid.ToString(CultureInfo.InvariantCulture),
    };

    private static void CheckBody(HttpContext http)
    {
        if (http.Request.ContentLength > MaxBody)
        {
            throw new LabdException(ErrorCode.BadRequest, string.Create(CultureInfo.InvariantCulture,
                $"the request body is {http.Request.ContentLength} bytes; a tracker write takes at most {MaxBody} bytes (put long text in the repository and refer to it)"));
        }
        // A body without Content-Length (chunked) stops at the same size.
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = MaxBody;
        }
    }

    private (LimitsConfig, PartitionedRateLimiter<string>?) Current()
    {
        var limits = settings.Current.Limits;
        lock (_lock)
        {
            if (_current.Limits != limits)
            {
                _current.Limiter?.Dispose();
                _current = (limits, limits.TrackerWritesPerMinute == 0 ? null : Create(limits));
            }
            return _current;
        }
    }

    private static PartitionedRateLimiter<string> Create(LimitsConfig limits) =>
        PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetTokenBucketLimiter(key, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = limits.TrackerWriteBurst,
            // One token every 60/rate seconds; at most one period a second, the limiter's own timer.
            TokensPerPeriod = Math.Max(1, limits.TrackerWritesPerMinute / 60),
            ReplenishmentPeriod = TimeSpan.FromSeconds(60.0 * Math.Max(1, limits.TrackerWritesPerMinute / 60) / limits.TrackerWritesPerMinute),
            QueueLimit = 0,
            AutoReplenishment = true,
        }));
}
