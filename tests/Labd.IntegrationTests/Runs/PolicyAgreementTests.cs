using System.Net.Http.Json;
using System.Text.Json;
using Labd.IntegrationTests.TestBed;
using Labd.Protocol;

namespace Labd.IntegrationTests.Runs;

/// <summary>What <c>policy explain</c> says, what a sandbox under the policy does, and which policy a run keeps across reloads.</summary>
[Collection(FakeInternetTests.Name)]
public sealed class PolicyAgreementTests(FakeInternet inet)
{
    private const string AgreePolicy = """
        description: explain agrees with the sandbox
        files:
          ${WORKTREE}: rw
          ${WORKTREE}/eval: ro
          ${WORKTREE}/secrets: hidden
        network:
          allow:
            - allowed.test:443
          deny:
            - denied.test
        """;

    [Fact(Timeout = 120000)]
    public async Task Policy_explain_answers_match_what_the_sandbox_does_for_paths_and_hosts()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var bed = await RunsBed.StartAsync(inet, ct);
        var work = bed.Work;
        File.SetUnixFileMode(work, (UnixFileMode)0b111_111_111);
        Directory.CreateDirectory(Path.Combine(work, "eval"));
        Directory.CreateDirectory(Path.Combine(work, "secrets"));
        File.SetUnixFileMode(Path.Combine(work, "eval"), (UnixFileMode)0b111_111_111);
        File.SetUnixFileMode(Path.Combine(work, "secrets"), (UnixFileMode)0b111_111_111);
        foreach (var file in new[] { "notes.txt", "eval/data.txt", "secrets/key.txt" })
        {
            await File.WriteAllTextAsync(Path.Combine(work, file), "content\n", ct);
            File.SetUnixFileMode(Path.Combine(work, file), (UnixFileMode)0b110_110_110);
        }
        await File.WriteAllTextAsync(Path.Combine(bed.Dir["policies"], "agree.yaml"), AgreePolicy, ct);
        var (reloadExit, _, reloadErr) = await bed.LabctlAsync(["policy", "reload"], ct);
        Assert.True(reloadExit == 0, $"reload: {reloadErr}");

        string[] paths =
        [
            Path.Combine(work, "notes.txt"),
            Path.Combine(work, "eval/data.txt"),
            Path.Combine(work, "secrets/key.txt"),
            "/etc/shadow",
            "/usr/bin/env",
            "/root",
            "/etc/labd",
        ];
        string[] hosts = ["allowed.test", "denied.test", "evil.test"];
        var args = new List<string> { "policy", "explain", "agree", "-o", "json", "--lab", work, "--worktree", work };
        args.AddRange(paths.SelectMany(p => new[] { "--path", p }));
        args.AddRange(hosts.SelectMany(h => new[] { "--host", h }));
        var (explainExit, explainOut, explainErr) = await bed.LabctlAsync(args, ct);
        Assert.True(explainExit == 0, $"explain: {explainErr}");
        var explanation = JsonSerializer.Deserialize(explainOut, ProtocolJsonContext.Default.PolicyExplanation)!;
        Assert.Equal(paths.Length, explanation.Paths.Count);
        Assert.Equal(hosts.Length, explanation.Hosts.Count);

        // One sandbox: per path "path|exists|writable|nonempty", then one curl per host.
        var report = Path.Combine(work, "report.txt");
        var script = "probe() { p=$1; e=0; w=0; n=0; "
            + "if [ -e \"$p\" ]; then e=1; "
            + "if [ -d \"$p\" ]; then if touch \"$p/.labd-probe.$$\" 2>/dev/null; then w=1; rm -f \"$p/.labd-probe.$$\"; fi; "
            + "if [ -n \"$(ls -A \"$p\" 2>/dev/null)\" ]; then n=1; elif [ ! -r \"$p\" ]; then n=unreadable; fi; "
            + "else if ( : >> \"$p\" ) 2>/dev/null; then w=1; fi; "
            + "if [ -s \"$p\" ]; then n=1; elif [ ! -r \"$p\" ]; then n=unreadable; fi; fi; fi; "
            + $"echo \"$p|$e|$w|$n\" >> {report}; }}; "
            + string.Concat(paths.Select(p => $"probe '{p}'; "))
            + $"curl -sS --max-time 20 --cacert {bed.CaFile} https://allowed.test/ >/dev/null; echo \"curl allowed.test $?\" >> {report}; "
            + $"curl -sS --max-time 20 --cacert {bed.CaFile} --resolve denied.test:443:{FakeInternet.DeniedAddress} https://denied.test/ >/dev/null; echo \"curl denied.test $?\" >> {report}; "
            + $"curl -sS --max-time 20 --cacert {bed.CaFile} --resolve evil.test:443:{FakeInternet.DeniedAddress} https://evil.test/ >/dev/null; echo \"curl evil.test $?\" >> {report}; "
            + "true";
        using var client = bed.Labd.Client();
        client.Timeout = TimeSpan.FromSeconds(100);
        var run = await StartAsync(client, new RunStartRequest(["sh", "-c", script], work, Policy: "agree"), ct);
        var ended = JsonSerializer.Deserialize(await client.GetStringAsync(Routes.RunWait(run.Id), ct), ProtocolJsonContext.Default.RunRecord)!;
        Assert.True(ended.ExitCode == 0, $"run: {ended.Outcome} {ended.ExitCode} {ended.Message}\n{bed.Labd.Output}");
        var lines = await File.ReadAllLinesAsync(report, ct);
        var egress = (await client.GetStringAsync(Routes.RunEgress(run.Id), ct))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonSerializer.Deserialize(l, ProtocolJsonContext.Default.RunEgressDecision)!)
            .ToList();
        var summary = string.Join('\n', explanation.Paths.Select(p => $"explain {p.Path}: {p.Mode} ({p.Reason})"))
            + "\n" + string.Join('\n', explanation.Hosts.Select(h => $"explain {h.Host}: {(h.Allowed ? "allowed" : "denied")} ({h.Reason})"))
            + "\n" + string.Join('\n', lines)
            + "\n" + string.Join('\n', egress.Select(d => $"egress {d.Host}:{d.Port} {d.Kind} {(d.Allowed ? "allowed" : "denied")}"));
        TestContext.Current.TestOutputHelper?.WriteLine(summary);

        var disagreements = new List<string>();
        for (var i = 0; i < paths.Length; i++)
        {
            var mode = explanation.Paths[i].Mode;
            var fields = lines.Single(l => l.StartsWith(paths[i] + "|", StringComparison.Ordinal)).Split('|');
            var (exists, writable, nonEmpty) = (fields[1] == "1", fields[2] == "1", fields[3]);
            var agrees = mode switch
            {
                "hidden" => !exists || nonEmpty == "0",
                "ro" => exists && !writable,
                "rw" => exists && writable,
                _ => false,
            };
            if (!agrees)
            {
                disagreements.Add($"{paths[i]}: explain says {mode}, the sandbox sees exists={exists} writable={writable} nonempty={nonEmpty}");
            }
        }
        foreach (var host in explanation.Hosts)
        {
            var name = host.Host.Split(':')[0];
            var decisions = egress.Where(d => d.Host == name && d.Port == 443).ToList();
            var curl = lines.Single(l => l.StartsWith($"curl {name} ", StringComparison.Ordinal));
            var curlOk = curl.EndsWith(" 0", StringComparison.Ordinal);
            var agrees = host.Allowed
                ? curlOk && decisions.Count > 0 && decisions.All(d => d.Allowed)
                : !curlOk && decisions.Count > 0 && decisions.All(d => !d.Allowed);
            if (!agrees)
            {
                disagreements.Add($"{name}: explain says {(host.Allowed ? "allowed" : "denied")}, the sandbox got '{curl}' and egress [{string.Join(", ", decisions.Select(d => d.Allowed))}]");
            }
        }
        Assert.True(disagreements.Count == 0, string.Join('\n', disagreements) + "\n---\n" + summary);
    }

    [Fact(Timeout = 120000)]
    public async Task Reloading_an_invalid_policy_while_a_sandbox_runs_keeps_the_running_and_the_next_run_on_the_old_policy()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var bed = await RunsBed.StartAsync(inet, ct);
        using var client = bed.Labd.Client();
        client.Timeout = TimeSpan.FromSeconds(100);
        var ready = Path.Combine(bed.Work, "ready");
        var fifo = await bed.CreateGateAsync("go", ct);
        var before = await DefaultHashAsync(client, ct);
        var first = await bed.StartRunAsync(["sh", "-c", $"touch {ready}; read line < {fifo}; exit 0"], ct);
        await UntilAsync(() => File.Exists(ready), "the first run to start", ct);

        await File.WriteAllTextAsync(Path.Combine(bed.Dir["policies"], "broken.yaml"), "extends: default\ngpus: lots\n", ct);
        var (exit, _, stderr) = await bed.LabctlAsync(["policy", "reload"], ct);

        Assert.True(exit != 0, $"reload of an invalid set exited 0: {stderr}");
        Assert.Contains("broken.yaml:2:7: error", stderr, StringComparison.Ordinal);
        var second = await bed.StartRunAsync(["true"], ct);
        var (lsExit, lsOut, lsErr) = await bed.LabctlAsync(["policy", "ls", "-o", "json"], ct);
        Assert.True(lsExit == 0, lsErr);
        var listed = JsonSerializer.Deserialize(lsOut, ProtocolJsonContext.Default.PolicyList)!;
        var firstNow = await client.GetFromJsonAsync(Routes.Run(first.Id), ProtocolJsonContext.Default.RunRecord, ct);
        var secondNow = await client.GetFromJsonAsync(Routes.Run(second.Id), ProtocolJsonContext.Default.RunRecord, ct);

        Assert.Equal(before, first.PolicyHash);
        Assert.Equal(before, firstNow!.PolicyHash);
        Assert.Equal(RunRecord.Running, firstNow.Status);
        Assert.Equal("default", secondNow!.Policy);
        Assert.Equal(before, secondNow.PolicyHash);
        Assert.Equal(before, listed.Policies.Single(p => p.Name == "default").Hash);
        Assert.DoesNotContain(listed.Policies, p => p.Name == "broken");

        await File.WriteAllTextAsync(fifo, "go\n", ct);
        var firstEnded = JsonSerializer.Deserialize(await client.GetStringAsync(Routes.RunWait(first.Id), ct), ProtocolJsonContext.Default.RunRecord)!;
        var secondEnded = JsonSerializer.Deserialize(await client.GetStringAsync(Routes.RunWait(second.Id), ct), ProtocolJsonContext.Default.RunRecord)!;

        Assert.True(firstEnded.Outcome == "exited" && firstEnded.ExitCode == 0, $"first run: {firstEnded.Outcome} {firstEnded.ExitCode} {firstEnded.Message}");
        Assert.True(secondEnded.Outcome == "exited" && secondEnded.ExitCode == 0, $"second run: {secondEnded.Outcome} {secondEnded.ExitCode} {secondEnded.Message}");
        Assert.Equal(before, firstEnded.PolicyHash);
        Assert.Equal(before, secondEnded.PolicyHash);
    }

    private static async Task<RunRecord> StartAsync(HttpClient client, RunStartRequest request, CancellationToken cancellationToken)
    {
        using var response = await client.PostAsJsonAsync(Routes.Runs, request, ProtocolJsonContext.Default.RunStartRequest, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        Assert.True(response.IsSuccessStatusCode, $"POST /v1/runs: {(int)response.StatusCode} {body}");
        return JsonSerializer.Deserialize(body, ProtocolJsonContext.Default.RunRecord)!;
    }

    private static async Task<string> DefaultHashAsync(HttpClient client, CancellationToken cancellationToken)
    {
        var list = await client.GetFromJsonAsync(Routes.Policies, ProtocolJsonContext.Default.PolicyList, cancellationToken);
        return list!.Policies.Single(p => p.Name == "default").Hash;
    }

    private static async Task UntilAsync(Func<bool> condition, string what, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}");
            await Task.Delay(20, cancellationToken);
        }
    }
}
