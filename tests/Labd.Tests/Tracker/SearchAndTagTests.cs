using Labd.Protocol;
using Labd.Tracker;

namespace Labd.Tests.Tracker;

public sealed class SearchAndTagTests
{
    [Theory(Timeout = 30000)]
    [InlineData("\"")]
    [InlineData("warmup\" OR \"x")]
    [InlineData("OR")]
    [InlineData("warmup OR")]
    [InlineData("NOT AND")]
    [InlineData("*")]
    [InlineData("warm*")]
    [InlineData("(warmup")]
    [InlineData("warmup)) (")]
    [InlineData("text:warmup")]
    [InlineData("NEAR(a b, 2)")]
    [InlineData("^warmup")]
    [InlineData("-")]
    [InlineData("\0")]
    [InlineData("   ")]
    public async Task Hostile_query_text_never_throws(string query)
    {
        await using var db = await TrackerDb.OpenAsync();
        await db.AddLabAsync("lab", "/srv/lab");
        await db.Notes.AddAsync(TrackerDb.Owner, "lab", new NoteAddRequest("warmup helps (a lot) \"really\" OR not"), TestContext.Current.CancellationToken);

        var hits = await db.Search.SearchAsync(TrackerDb.Owner, "lab", query, null, TestContext.Current.CancellationToken);

        Assert.NotNull(hits);
    }

    [Fact(Timeout = 30000)]
    public async Task Search_finds_notes_ideas_and_messages_of_the_lab_only_best_match_first()
    {
        await using var db = await TrackerDb.OpenAsync();
        await db.AddLabAsync("lab", "/srv/lab");
        await db.AddLabAsync("other", "/srv/other");
        var note = await db.Notes.AddAsync(TrackerDb.Owner, "lab", new NoteAddRequest("cosine warmup helps; warmup warmup"), TestContext.Current.CancellationToken);
        await db.Messages.SendAsync(TrackerDb.Owner, "lab", new MessageSendRequest("try warmup on idea 2"), TestContext.Current.CancellationToken);
        await db.Notes.AddAsync(TrackerDb.Owner, "other", new NoteAddRequest("warmup elsewhere"), TestContext.Current.CancellationToken);

        var hits = await db.Search.SearchAsync(TrackerDb.Owner, "lab", "warmup", null, TestContext.Current.CancellationToken);
        var phrase = await db.Search.SearchAsync(TrackerDb.Owner, "lab", "OR", null, TestContext.Current.CancellationToken);

        Assert.Equal([("note", note.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("message", "1")], hits.Select(h => (h.Kind, h.Ref)));
        Assert.Contains("[warmup]", hits[0].Snippet, StringComparison.Ordinal);
        Assert.Empty(phrase);
    }

    [Fact]
    public void Each_term_becomes_a_quoted_string()
    {
        Assert.Equal("\"a\"\"b\" \"OR\" \"c*\"", SearchService.ToFtsQuery("a\"b OR c*"));
        Assert.Null(SearchService.ToFtsQuery(" \t "));
    }

    [Fact(Timeout = 30000)]
    public async Task Renaming_a_tag_onto_an_existing_one_merges_without_duplicates_and_stays_in_the_lab()
    {
        await using var db = await TrackerDb.OpenAsync();
        await db.AddLabAsync("lab", "/srv/lab");
        await db.AddLabAsync("other", "/srv/other");
        await db.AddIdeaAsync("lab", 1, "x");
        await db.AddIdeaAsync("other", 1, "x");
        await db.AddExperimentAsync("lab", 1, "succeeded", null, "base", "baseline");
        await db.AddExperimentAsync("lab", 1, "succeeded", null, "base");
        await db.AddExperimentAsync("lab", 1, "succeeded", null, "baseline");
        await db.AddExperimentAsync("other", 1, "succeeded", null, "base");

        var result = await db.Tags.RenameAsync(TrackerDb.Owner, "lab", new TagRenameRequest("base", "baseline"), TestContext.Current.CancellationToken);
        var tags = await db.Tags.ListAsync(TrackerDb.Owner, "lab", TestContext.Current.CancellationToken);
        var otherTags = await db.Tags.ListAsync(TrackerDb.Owner, "other", TestContext.Current.CancellationToken);

        Assert.Equal(new TagRenameResult("base", "baseline", 2, true), result);
        Assert.Equal([new TagCount("baseline", 3)], tags);
        Assert.Equal([new TagCount("base", 1)], otherTags);
    }
}
