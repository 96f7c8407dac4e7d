using System.Net.Http.Json;
using System.Text.Json;
using Labd.IntegrationTests.Acceptance;
using Labd.IntegrationTests.Agents;
using Labd.IntegrationTests.TestBed;
using Labd.Protocol;

namespace Labd.IntegrationTests.HostSide;

/// <summary>
/// Escape suite, host side (H8): what the event stream tells one tenant about another. A user
/// made by adduser sees only the events of their own labs; an agent, on its own socket, only its
/// lab's. Each with its control: the owner (or an admin) sees what the other was refused.
/// </summary>
public sealed class EventVisibilityTests
{
    [Fact(Timeout = 300_000)]
    public async Task H8_another_user_sees_none_of_a_users_events_but_the_owner_sees_them()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var bed = await AcceptanceBed.StartAsync(ct);
        await using var alice = await NewUser.AddAsync(ct);
        await using var bob = await NewUser.AddAsync(ct);
        var repo = await bed.MakeRepositoryAsync(alice, "ev-secret", new Dictionary<string, string> { ["train.sh"] = "echo '{\"metrics\": {\"score\": 1}}'\n" }, ct);
        await bed.OkAsync(alice, "labctl lab init . --metric score:max && labctl idea new hidden && labctl exp run --idea 1 --wait -- sh train.sh && labctl note add 'a private note' --idea 1", ct, repo);

        var aliceEvents = Records(await bed.OkAsync(alice, "labctl events -o json --tail 1000", ct));
        var bobEvents = Records(await bed.OkAsync(bob, "labctl events -o json --tail 1000", ct));
        var bobAsks = await bob.ShAsync($"labctl events --lab {aliceEvents[0].Lab}", bed.Environment, ct);

        // The control: the owner sees her lab's whole story.
        Assert.Contains(aliceEvents, e => e.Kind == "exp.end" && e.Data!.Value.GetProperty("status").GetString() == "succeeded");
        Assert.Contains(aliceEvents, e => e.Kind == "note.add");
        Assert.All(aliceEvents, e => Assert.Equal(aliceEvents[0].Lab, e.Lab));
        Assert.Empty(bobEvents);
        Assert.True(bobAsks.ExitCode == 5, $"{bobAsks.ExitCode}: {bobAsks.Stdout}{bobAsks.Stderr}");
        Assert.DoesNotContain("private note", bobAsks.Stdout + bobAsks.Stderr, StringComparison.Ordinal);
    }

    [Fact(Timeout = 240_000)]
    public async Task H8_an_agent_sees_only_its_own_labs_events_on_its_socket()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var bed = await AgentsBed.StartAsync(ct);
        await bed.CreateLabAsync("lab-mine", new Dictionary<string, string> { ["README"] = "x\n" }, ct);
        await bed.CreateLabAsync("lab-other", new Dictionary<string, string> { ["README"] = "x\n" }, ct);
        using (var client = bed.Labd.Client())
        {
            using var response = await client.PostAsJsonAsync(Routes.LabNotes("lab-other"), new NoteAddRequest("the other lab's note"), ProtocolJsonContext.Default.NoteAddRequest, ct);
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(ct));
        }
        var script = $"""
            L='{AgentsBed.LabctlPath}'
            "$L" events -o json --tail 1000
            "$L" events --lab lab-other > /dev/null 2>&1; echo "other-lab-exit:$?"
            """;

        var agent = await bed.StartScriptAsync("lab-mine", script, ct, maxTurns: 1);
        await bed.WaitEndedAsync(agent.Id, ct);
        var lines = (await bed.LogsAsync(agent.Id, ct)).Select(l => l.Line).ToList();
        var seen = Records(string.Join('\n', lines.Where(l => l.StartsWith('{'))));
        using var admin = bed.Labd.Client();
        var all = Records(string.Join('\n', (await admin.GetStringAsync(Routes.EventsOf(since: 0), ct)).Split('\n').Where(l => l.StartsWith("data: ", StringComparison.Ordinal)).Select(l => l[6..])));

        Assert.Contains(seen, e => e.Kind == "agent.turn.start");
        Assert.All(seen, e => Assert.Equal("lab-mine", e.Lab));
        Assert.Contains("other-lab-exit:5", lines);
        // The control: the other lab's event is there for those who may see it.
        Assert.Contains(all, e => e.Kind == "note.add" && e.Lab == "lab-other");
    }

    private static List<EventRecord> Records(string lines) =>
        [.. lines.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonSerializer.Deserialize(l, ProtocolJsonContext.Default.EventRecord)!)];
}
