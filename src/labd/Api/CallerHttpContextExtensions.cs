using Labd.Protocol;

namespace Labd.Api;

/// <summary>How handlers get the <see cref="Caller"/> that <see cref="CallerMiddleware"/> attached to the request.</summary>
internal static class CallerHttpContextExtensions
{
    public static Caller GetCaller(this HttpContext context) =>
        context.Features.Get<Caller>() ?? throw new InvalidOperationException("no caller on this request; is CallerMiddleware registered?");

    /// <summary>Returns the caller if it is an admin, else throws a 403 <see cref="ErrorCode.Forbidden"/> naming the group to join.</summary>
    public static Caller RequireAdmin(this HttpContext context, string action)
    {
        var caller = context.GetCaller();
        if (!caller.IsAdmin)
        {
            var admins = context.RequestServices.GetRequiredService<Hosting.LabdSettings>().Current.Groups.Admins;
            throw new LabdException(ErrorCode.Forbidden, $"{action} needs an admin; {caller.UserName} is not root and not in group '{admins}'");
        }
        return caller;
    }
}
