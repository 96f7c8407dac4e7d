using System.Diagnostics;
using System.Globalization;
using Labd.IntegrationTests.Acceptance;
using Labd.IntegrationTests.TestBed;

namespace Labd.IntegrationTests.HostSide;

/// <summary>
/// Escape suite, host side (Q4): one user floods the tracker with notes. labd takes a burst, then
/// answers 429 with Retry-After, labctl says in one line when to retry, and another user's write
/// still succeeds meanwhile. The control turns the limit off (<c>limits.trackerWritesPerMinute: 0</c>):
/// the same flood is taken whole. Texts and bodies over their caps are refused with the cap named.
/// </summary>
public sealed class WriteQuotaTests
{
    private const int Burst = 20;
    private const int Flood = 2 * Burst;

    [Fact(Timeout = 300_000)]
    public async Task Q4_a_flood_of_notes_gets_429_after_the_burst_and_another_users_write_still_succeeds()
    {
        var ct = TestContext.Current.CancellationToken;
        // One token a minute after the burst: the flood and the checks below finish well inside it.
        await using var bed = await AcceptanceBed.StartAsync(ct, fakeGpus: 0, extraConfig: $"limits: {{trackerWritesPerMinute: 1, trackerWriteBurst: {Burst}}}");
        await using var alice = await NewUser.AddAsync(ct);
        await using var bob = await NewUser.AddAsync(ct);
        var (aliceRepo, aliceLab) = await LabAsync(bed, alice, ct);
        var (bobRepo, _) = await LabAsync(bed, bob, ct);

        var clock = Stopwatch.StartNew();
        var statuses = await FloodAsync(bed, alice, aliceLab, ct);
        var (exit, stdout, stderr) = await alice.ShAsync("labctl note add 'one more'", bed.Environment, ct, aliceRepo);
        var bobNote = await bed.OkAsync(bob, "labctl note add 'bob is not slowed down' -o json", ct, bobRepo);
        var elapsed = clock.Elapsed;

        var accepted = statuses.Count(s => s == "201");
        TestContext.Current.SendDiagnosticMessage($"Q4: {accepted} of {Flood} notes accepted in {elapsed.TotalSeconds:0.0} s, then 429; labctl: {stderr.Trim()}");
        var allowed = Burst + (int)Math.Ceiling(elapsed.TotalMinutes) + 1;
        Assert.True(accepted <= allowed, $"{accepted} of {Flood} notes accepted in {elapsed.TotalSeconds:0.0} s; at most {allowed} allowed");
        // alice's lab init was a write too: it took one token of her burst.
        Assert.True(accepted >= Burst - 1, $"only {accepted} notes accepted; the burst is {Burst}: {string.Join(' ', statuses)}");
        Assert.Equal(Flood - accepted, statuses.Count(s => s == "429 retry-after"));
        Assert.Equal(8, exit);
        Assert.Empty(stdout);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("limits.trackerWritesPerMinute", line, StringComparison.Ordinal);
        Assert.Matches("retry in [0-9]+ s", line);
        Assert.Contains("bob is not slowed down", bobNote, StringComparison.Ordinal);
        var stored = await bed.OkAsync(alice, "labctl note ls -o json", ct, aliceRepo);
        Assert.Equal(accepted, CountOf("\"flood ", stored));
    }

    [Fact(Timeout = 300_000)]
    public async Task Q4_negative_control_without_the_limit_the_whole_flood_is_taken()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var bed = await AcceptanceBed.StartAsync(ct, fakeGpus: 0, extraConfig: $"limits: {{trackerWritesPerMinute: 0, trackerWriteBurst: {Burst}}}");
        await using var alice = await NewUser.AddAsync(ct);
        var (_, lab) = await LabAsync(bed, alice, ct);

        var statuses = await FloodAsync(bed, alice, lab, ct);

        Assert.All(statuses, s => Assert.Equal("201", s));
        Assert.Equal(Flood, statuses.Count);
    }

    [Fact(Timeout = 300_000)]
    public async Task Q4_a_text_or_body_over_its_cap_is_refused_naming_the_cap_and_nothing_is_stored()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var bed = await AcceptanceBed.StartAsync(ct, fakeGpus: 0);
        await using var alice = await NewUser.AddAsync(ct);
        var (repo, lab) = await LabAsync(bed, alice, ct);

        var (textExit, _, textError) = await alice.ShAsync("labctl note add \"$(head -c 20001 /dev/zero | tr '\\0' x)\"", bed.Environment, ct, repo);
        var body = await alice.ShAsync(
            $"head -c 300000 /dev/zero | tr '\\0' x | sed 's/^/{{\"text\": \"/; s/$/\"}}/' | curl -s -w '\\n%{{http_code}}' --unix-socket \"$LABD_SOCKET\" -H 'Content-Type: application/json' --data-binary @- http://labd/v1/labs/{lab}/notes",
            bed.Environment, ct);
        // The control: a note exactly at the cap is taken, so the oracle below can see a stored note.
        await bed.OkAsync(alice, "labctl note add \"$(head -c 20000 /dev/zero | tr '\\0' y)\"", ct, repo);
        var stored = await bed.OkAsync(alice, "labctl note ls -o json", ct, repo);

        Assert.Equal(7, textExit);
        Assert.Contains("20000 characters", Assert.Single(textError.Split('\n', StringSplitOptions.RemoveEmptyEntries)), StringComparison.Ordinal);
        Assert.EndsWith("\n400", body.Stdout.TrimEnd(), StringComparison.Ordinal);
        Assert.Contains("262144 bytes", body.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("xxxx", stored, StringComparison.Ordinal);
        Assert.Contains("yyyy", stored, StringComparison.Ordinal);
    }

    private static async Task<(string Repo, string Lab)> LabAsync(AcceptanceBed bed, NewUser user, CancellationToken ct)
    {
        var lab = "notes-" + user.Name;
        var repo = await bed.MakeRepositoryAsync(user, lab, new Dictionary<string, string> { ["README"] = "notes\n" }, ct);
        await bed.OkAsync(user, $"labctl lab init . --name {lab} --metric score:max", ct, repo);
        return (repo, lab);
    }

    /// <summary>Posts <see cref="Flood"/> notes as fast as curl can, as the user; one status per note,
    /// "429 retry-after" when labd refused it with a Retry-After header.</summary>
    private static async Task<List<string>> FloodAsync(AcceptanceBed bed, NewUser user, string lab, CancellationToken ct)
    {
        var stdout = await bed.OkAsync(user, $$"""
            for i in $(seq 1 {{Flood.ToString(CultureInfo.InvariantCulture)}}); do
              curl -s -o /dev/null -D /tmp/labd-q4-$$ -w '%{http_code}' --unix-socket "$LABD_SOCKET" -H 'Content-Type: application/json' \
                --data-binary "{\"text\": \"flood $i\"}" http://labd/v1/labs/{{lab}}/notes
              grep -qi '^retry-after: [0-9]' /tmp/labd-q4-$$ && printf ' retry-after'
              echo
            done
            rm -f /tmp/labd-q4-$$
            """, ct);
        return [.. stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)];
    }

    private static int CountOf(string needle, string text)
    {
        var count = 0;
        for (var i = text.IndexOf(needle, StringComparison.Ordinal); i >= 0; i = text.IndexOf(needle, i + 1, StringComparison.Ordinal))
        {
            count++;
        }
        return count;
    }
}
