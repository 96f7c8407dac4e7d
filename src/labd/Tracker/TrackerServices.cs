using Labd.Hosting;

namespace Labd.Tracker;

/// <summary>The tracker (labs, ideas, notes, tags, messages, search, leaderboard, orient) in the daemon's container.</summary>
internal static class TrackerServices
{
    public static IServiceCollection AddTracker(this IServiceCollection services, LabdSettings settings) =>
        services
            .AddSingleton(new TrackerOptions { StateDirectory = settings.StateDir })
            .AddSingleton<Labd.Api.WriteQuota>()
            .AddSingleton<LabAccess>()
            .AddSingleton<LabService>()
            .AddSingleton<IdeaService>()
            .AddSingleton<NoteService>()
            .AddSingleton<MessageService>()
            .AddSingleton<TagService>()
            .AddSingleton<SearchService>()
            .AddSingleton<LeaderboardService>()
            .AddSingleton<OrientService>();
}
