using System.Diagnostics;
using System.Globalization;
using CliWrap;
using Labd.Runs;

namespace Labd.IntegrationTests.Sandbox;

/// <summary>
/// Start-up cost of a sandboxed <c>true</c> through the whole Runs path (supervisor process,
/// setpriv, rootlesskit + slirp4netns, gate, rules, bwrap with seccomp) beside the bare
/// <c>rootlesskit --net=slirp4netns --disable-host-loopback bwrap … true</c>, measured side by
/// side. Prints both medians (docs/security.md records them); fails only if a sandboxed
/// <c>true</c> takes longer than 10 s, which would make runs unusable.
/// </summary>
[Collection(SandboxTestGroup.Name)]
public sealed class LatencyTests(SandboxFixture fx)
{
    private const int Rounds = 9;

    [Fact(Timeout = 300_000)]
    public async Task Sandboxed_true_latency_is_reported_beside_the_raw_chain()
    {
        var ct = TestContext.Current.CancellationToken;
        SandboxFixture.Require();
        var state = Path.Combine(fx.Root, "raw-rk");
        Directory.CreateDirectory(state);
        var user = (await fx.Registry.Users.EnsureAsync(ct))[^1];
        Interop.Chown.Set(state, user.Uid, user.Gid);

        var raw = new List<double>();
        var sandboxed = new List<double>();
        for (var i = 0; i < Rounds; i++)
        {
            var output = new System.Text.StringBuilder();
            var sw = Stopwatch.StartNew();
            var result = await Cli.Wrap("/usr/bin/setpriv")
                .WithArguments(["--reuid", user.Uid.ToString(CultureInfo.InvariantCulture), "--regid", user.Gid.ToString(CultureInfo.InvariantCulture), "--clear-groups", "--",
                    "/usr/bin/rootlesskit", "--net=slirp4netns", "--disable-host-loopback", "--port-driver=none", "--state-dir", Path.Combine(state, i.ToString(CultureInfo.InvariantCulture)), "--",
                    "/usr/bin/bwrap", "--ro-bind", "/usr", "/usr", "--symlink", "usr/bin", "/bin", "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64",
                    "--proc", "/proc", "--dev", "/dev", "--unshare-all", "--share-net", "--die-with-parent", "--", "/bin/true"])
                .WithStandardOutputPipe(PipeTarget.ToStringBuilder(output))
                .WithStandardErrorPipe(PipeTarget.ToStringBuilder(output))
                .WithValidation(CommandResultValidation.None)
                .ExecuteAsync(ct);
            Assert.True(result.ExitCode == 0, output.ToString());
            raw.Add(sw.Elapsed.TotalMilliseconds);

            sw.Restart();
            var r = await fx.RunAsync("true", cancellationToken: ct);
            sandboxed.Add(sw.Elapsed.TotalMilliseconds);
            Assert.Equal(RunOutcome.Exited, r.Exit.Outcome);
        }
        var line = string.Create(CultureInfo.InvariantCulture,
            $"LATENCY median over {Rounds}: raw rootlesskit+bwrap true = {Median(raw):F0} ms; labd sandboxed true (StartAsync..WaitAsync) = {Median(sandboxed):F0} ms");
        TestContext.Current.SendDiagnosticMessage(line);
        TestContext.Current.TestOutputHelper?.WriteLine(line);
        await File.WriteAllTextAsync(Path.Combine("/tmp", "labdt-sbx-latency.txt"), line + "\n", ct);
        Assert.True(Median(sandboxed) < 10_000, line);
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }
}
