namespace Labd.SandboxPolicy;

public enum NetworkRuleKind
{
    Allow,
    Deny,
}
