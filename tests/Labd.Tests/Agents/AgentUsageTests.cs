using System.Text;
using Labd.Agents;
using Labd.SandboxPolicy.Config;

namespace Labd.Tests.Agents;

public sealed class AgentUsageTests : IDisposable
{
    // A claude -p --output-format stream-json --verbose run (Claude Code 2.1.197), shortened: the
    // assistant events carry per-message usage that must not be counted; the result event is the total.
    private const string ClaudeTranscript = """
        {"type":"system","subtype":"init","cwd":"/work","session_id":"a2b4e382-2896-48e8-aa86-e8fe55aa67ed","tools":["Task","Bash","Edit","Read","Write"],"mcp_servers":[{"name":"labd","status":"connected"}],"model":"claude-sonnet-4-5","permissionMode":"bypassPermissions","apiKeySource":"ANTHROPIC_API_KEY","claude_code_version":"2.1.197","uuid":"813b8bce-3c5a-4ca0-9c67-416c2966d1ab"}
        {"type":"assistant","message":{"id":"msg_01","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[{"type":"tool_use","id":"toolu_01","name":"mcp__labd__orient","input":{}}],"stop_reason":null,"usage":{"input_tokens":3,"cache_creation_input_tokens":9000,"cache_read_input_tokens":0,"output_tokens":40,"service_tier":"standard"}},"parent_tool_use_id":null,"session_id":"a2b4e382-2896-48e8-aa86-e8fe55aa67ed","uuid":"18c7f4b5-e67f-41b1-a755-a5b282584354"}
        {"type":"user","message":{"role":"user","content":[{"tool_use_id":"toolu_01","type":"tool_result","content":[{"type":"text","text":"{\"type\":\"result\",\"total_cost_usd\":1000}"}]}]},"parent_tool_use_id":null,"session_id":"a2b4e382-2896-48e8-aa86-e8fe55aa67ed","uuid":"a6754827-d951-4839-b3eb-f764f82d289d"}
        {"type":"assistant","message":{"id":"msg_02","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[{"type":"text","text":"Ran exp/3.1; score 0.91."}],"stop_reason":"end_turn","usage":{"input_tokens":9,"cache_creation_input_tokens":400,"cache_read_input_tokens":9000,"output_tokens":472}},"parent_tool_use_id":null,"session_id":"a2b4e382-2896-48e8-aa86-e8fe55aa67ed","uuid":"0506746d-eb8a-4bdf-80c2-dfc876d1f33e"}
        {"type":"result","subtype":"success","is_error":false,"duration_ms":48210,"duration_api_ms":30544,"num_turns":2,"result":"Ran exp/3.1; score 0.91.","stop_reason":"end_turn","session_id":"a2b4e382-2896-48e8-aa86-e8fe55aa67ed","total_cost_usd":0.0421875,"usage":{"input_tokens":12,"cache_creation_input_tokens":9400,"cache_read_input_tokens":9000,"output_tokens":512,"server_tool_use":{"web_search_requests":0,"web_fetch_requests":0},"service_tier":"standard","cache_creation":{"ephemeral_1h_input_tokens":0,"ephemeral_5m_input_tokens":9400}},"modelUsage":{"claude-sonnet-4-5":{"inputTokens":12,"outputTokens":512,"costUSD":0.0421875}},"permission_denials":[],"uuid":"922888ca-62ba-41ae-a241-0c4b5a916c43"}

        """;

    // codex exec --json (codex-cli 0.169.0): turn.completed carries the thread's token totals.
    private const string CodexTranscript = """
        {"type":"thread.started","thread_id":"01a20d12-df80-7cb3-bb86-f839e221a8ac"}
        {"type":"turn.started"}
        {"type":"item.completed","item":{"id":"item_0","type":"reasoning","text":"**Orienting in the lab**"}}
        {"type":"item.started","item":{"id":"item_1","type":"command_execution","command":"bash -lc 'labctl orient'","aggregated_output":"","exit_code":null,"status":"in_progress"}}
        {"type":"item.completed","item":{"id":"item_1","type":"command_execution","command":"bash -lc 'labctl orient'","aggregated_output":"{\"type\":\"turn.completed\",\"usage\":{\"input_tokens\":1}}","exit_code":0,"status":"completed"}}
        {"type":"item.completed","item":{"id":"item_2","type":"agent_message","text":"Submitted exp/2.1."}}
        {"type":"turn.completed","usage":{"input_tokens":24763,"cached_input_tokens":24448,"output_tokens":122}}

        """;

    private readonly string _dir = Directory.CreateTempSubdirectory("labd-usage-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Log(string text) => Log(Encoding.UTF8.GetBytes(text));

    private string Log(byte[] bytes)
    {
        var path = Path.Combine(_dir, Guid.NewGuid().ToString("N") + ".log");
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public void Claude_result_event_gives_the_runs_cost_and_tokens_with_cache_tokens_counted_as_input()
    {
        var usage = AgentUsage.Read(AgentKindConfig.ClaudeStreamJson, Log(ClaudeTranscript));

        Assert.Equal(new TurnUsage(0.0421875, 12 + 9400 + 9000, 512), usage);
    }

    [Fact]
    public void Claude_error_result_still_reports_what_the_run_cost()
    {
        var log = Log("""{"type":"result","subtype":"error_max_turns","is_error":true,"num_turns":30,"total_cost_usd":1.25,"usage":{"input_tokens":100,"output_tokens":7}}""" + "\n");

        Assert.Equal(new TurnUsage(1.25, 100, 7), AgentUsage.Read(AgentKindConfig.ClaudeStreamJson, log));
    }

    [Fact]
    public void Codex_turn_completed_gives_tokens_and_no_cost()
    {
        var usage = AgentUsage.Read(AgentKindConfig.CodexJson, Log(CodexTranscript));

        // cached_input_tokens is a part of input_tokens, not added to it.
        Assert.Equal(new TurnUsage(null, 24763, 122), usage);
    }

    [Fact]
    public void Codex_usage_is_a_running_total_so_the_last_turn_completed_wins()
    {
        var log = Log("""
            {"type":"turn.completed","usage":{"input_tokens":100,"cached_input_tokens":0,"output_tokens":10}}
            {"type":"turn.completed","usage":{"input_tokens":250,"cached_input_tokens":100,"output_tokens":30}}
            """);

        Assert.Equal(new TurnUsage(null, 250, 30), AgentUsage.Read(AgentKindConfig.CodexJson, log));
    }

    [Fact]
    public void The_text_kind_and_a_mismatched_format_read_nothing()
    {
        Assert.Equal(TurnUsage.None, AgentUsage.Read(AgentKindConfig.Text, Log(ClaudeTranscript)));
        Assert.Equal(TurnUsage.None, AgentUsage.Read(AgentKindConfig.CodexJson, Log(ClaudeTranscript)));
        Assert.Equal(TurnUsage.None, AgentUsage.Read(AgentKindConfig.ClaudeStreamJson, Log(CodexTranscript)));
        Assert.Equal(TurnUsage.None, AgentUsage.Read("no-such-output", Log(ClaudeTranscript)));
    }

    [Fact]
    public void A_missing_or_empty_log_reads_nothing()
    {
        Assert.Equal(TurnUsage.None, AgentUsage.Read(AgentKindConfig.ClaudeStreamJson, Path.Combine(_dir, "absent.log")));
        Assert.Equal(TurnUsage.None, AgentUsage.Read(AgentKindConfig.ClaudeStreamJson, Log("")));
    }

    [Fact]
    public void Events_nested_inside_other_events_are_not_counted()
    {
        var log = Log("""
            {"type":"assistant","message":{"type":"result","total_cost_usd":99,"usage":{"input_tokens":5,"output_tokens":5}}}
            {"type":"user","result":{"type":"result","total_cost_usd":98}}
            {"item":{"type":"turn.completed","usage":{"input_tokens":9,"output_tokens":9}}}
            """);

        Assert.Equal(TurnUsage.None, AgentUsage.Read(AgentKindConfig.ClaudeStreamJson, log));
        Assert.Equal(TurnUsage.None, AgentUsage.Read(AgentKindConfig.CodexJson, log));
    }

    [Theory]
    [InlineData("-0.5")]
    [InlineData("\"0.5\"")]
    [InlineData("1e400")]
    [InlineData("-1e400")]
    [InlineData("null")]
    [InlineData("true")]
    [InlineData("{\"usd\":0.5}")]
    [InlineData("[0.5]")]
    public void A_cost_that_is_not_a_finite_non_negative_number_is_not_reported(string cost)
    {
        var log = Log($$$"""{"type":"result","total_cost_usd":{{{cost}}},"usage":{"input_tokens":1,"output_tokens":2}}""" + "\n");

        Assert.Equal(new TurnUsage(null, 1, 2), AgentUsage.Read(AgentKindConfig.ClaudeStreamJson, log));
    }

    [Theory]
    [InlineData("-3")]
    [InlineData("2.5")]
    [InlineData("\"12\"")]
    [InlineData("1e30")]
    [InlineData("99999999999999999999")]
    public void Token_counts_that_are_not_whole_non_negative_numbers_are_not_reported(string tokens)
    {
        var log = Log($$$"""{"type":"turn.completed","usage":{"input_tokens":{{{tokens}}},"output_tokens":{{{tokens}}}}}""" + "\n");

        Assert.Equal(TurnUsage.None, AgentUsage.Read(AgentKindConfig.CodexJson, log));
    }

    [Fact]
    public void NaN_and_infinity_literals_are_not_json_and_the_line_is_skipped()
    {
        var log = Log("""
            {"type":"result","total_cost_usd":0.25,"usage":{"input_tokens":1,"output_tokens":1}}
            {"type":"result","total_cost_usd":NaN}
            {"type":"result","total_cost_usd":Infinity}
            """);

        Assert.Equal(new TurnUsage(0.25, 1, 1), AgentUsage.Read(AgentKindConfig.ClaudeStreamJson, log));
    }

    [Fact]
    public void Usage_of_the_wrong_shape_reports_the_cost_only()
    {
        var log = Log("""{"type":"result","total_cost_usd":0.5,"usage":[1,2,3]}""" + "\n");

        Assert.Equal(new TurnUsage(0.5, null, null), AgentUsage.Read(AgentKindConfig.ClaudeStreamJson, log));
    }

    [Fact]
    public void Token_sums_saturate_instead_of_overflowing()
    {
        var log = Log($$$"""{"type":"result","usage":{"input_tokens":{{{long.MaxValue}}},"cache_read_input_tokens":{{{long.MaxValue}}},"output_tokens":0}}""" + "\n");

        Assert.Equal(new TurnUsage(null, long.MaxValue, 0), AgentUsage.Read(AgentKindConfig.ClaudeStreamJson, log));
    }

    [Fact]
    public void A_line_over_the_limit_is_skipped_whole_and_the_next_line_still_counts()
    {
        var huge = """{"type":"result","total_cost_usd":7,"result":" """ + new string('x', AgentUsage.MaxLineBytes) + "\"}\n";
        var log = Log(huge + """{"type":"result","total_cost_usd":0.75}""" + "\n" + huge);

        Assert.Equal(new TurnUsage(0.75, null, null), AgentUsage.Read(AgentKindConfig.ClaudeStreamJson, log));
    }

    [Fact]
    public void Garbage_deep_nesting_and_invalid_utf8_do_not_throw()
    {
        var bytes = new List<byte>();
        bytes.AddRange(Encoding.UTF8.GetBytes(new string('[', 100_000) + "\n"));
        bytes.AddRange(Encoding.UTF8.GetBytes("{\"type\":\"result\",\"result\":" + new string('{', 5_000) + "\n"));
        bytes.AddRange([0x7b, 0xff, 0xfe, 0x00, (byte)'\n']);
        bytes.AddRange(Encoding.UTF8.GetBytes("not json at all\n{\"type\":\n\t  {\"type\":\"result\",\"total_cost_usd\":0.125}\r\n"));

        Assert.Equal(new TurnUsage(0.125, null, null), AgentUsage.Read(AgentKindConfig.ClaudeStreamJson, Log([.. bytes])));
    }

    [Fact]
    public void The_last_line_counts_without_a_trailing_newline()
    {
        var log = Log("""{"type":"turn.completed","usage":{"input_tokens":5,"output_tokens":6}}""");

        Assert.Equal(new TurnUsage(null, 5, 6), AgentUsage.Read(AgentKindConfig.CodexJson, log));
    }

    [Fact]
    public void Only_the_logs_tail_is_read_so_a_huge_log_costs_bounded_work()
    {
        var early = """{"type":"result","total_cost_usd":3}""" + "\n";
        var filler = new StringBuilder();
        var line = new string('.', 1023) + "\n";
        while (filler.Length <= AgentUsage.TailBytes)
        {
            filler.Append(line);
        }
        var path = Log(early + filler + """{"type":"result","total_cost_usd":0.5}""" + "\n");
        Assert.Equal(new TurnUsage(0.5, null, null), AgentUsage.Read(AgentKindConfig.ClaudeStreamJson, path));

        var onlyEarly = Log(early + filler);
        Assert.Equal(TurnUsage.None, AgentUsage.Read(AgentKindConfig.ClaudeStreamJson, onlyEarly));
    }
}
