namespace Labd.IntegrationTests.Acceptance;

/// <summary>
/// The admin's step before users start Claude Code or Codex agents (docs/agent-kinds.md): the API
/// keys in <c>/etc/labd/secrets</c>, root-only, where the packaged labd.yaml looks for them. Keys
/// that are already there are left alone; the ones made here (placeholders: this machine reaches
/// no model API) are removed on dispose.
/// </summary>
internal sealed class AgentSecrets : IDisposable
{
    private const string Directory = "/etc/labd/secrets";
    private readonly List<string> _made = [];

    public static AgentSecrets Ensure()
    {
        var secrets = new AgentSecrets();
        System.IO.Directory.CreateDirectory(Directory);
        Interop.Chmod.Set(Directory, 0b111_000_000);
        foreach (var name in new[] { "anthropic-api-key", "openai-api-key" })
        {
            var path = Path.Combine(Directory, name);
            if (!File.Exists(path))
            {
                File.WriteAllText(path, "sk-placeholder-for-the-acceptance-tests\n");
                Interop.Chmod.Set(path, 0b110_000_000);
                secrets._made.Add(path);
            }
        }
        return secrets;
    }

    public void Dispose()
    {
        foreach (var path in _made)
        {
            File.Delete(path);
        }
    }
}
