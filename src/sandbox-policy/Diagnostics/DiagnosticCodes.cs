namespace Labd.SandboxPolicy;

/// <summary>Stable diagnostic codes; documented in docs/policy.md.</summary>
public static class DiagnosticCodes
{
    public const string InputTooLarge = "LP001";
    public const string InvalidEncoding = "LP002";
    public const string YamlSyntax = "LP003";
    public const string AliasOrAnchor = "LP004";
    public const string Tag = "LP005";
    public const string TooDeep = "LP006";
    public const string DuplicateKey = "LP007";
    public const string MultipleDocuments = "LP008";
    public const string WrongType = "LP009";
    public const string UnknownKey = "LP010";
    public const string UnknownMode = "LP012";
    public const string RelativePath = "LP013";
    public const string ForbiddenPath = "LP014";
    public const string ProtectedPath = "LP015";
    public const string PathConflict = "LP016";
    public const string UnknownVariable = "LP017";
    public const string BadPath = "LP018";
    public const string BroadFileRule = "LP019";
    public const string BadHostRule = "LP020";
    public const string BadCidr = "LP021";
    public const string BadPort = "LP022";
    public const string AllowedAndDenied = "LP023";
    public const string BroadWildcard = "LP024";
    public const string DuplicateRule = "LP025";
    public const string BadGpus = "LP030";
    public const string BadLimit = "LP031";
    public const string BadEnvName = "LP040";
    public const string BadSecretPath = "LP041";
    public const string EnvConflict = "LP042";
    public const string DangerousEnv = "LP043";
    public const string BadAgentName = "LP050";
    public const string BadAgentKind = "LP051";
    public const string UnknownExtends = "LP060";
    public const string ExtendsCycle = "LP061";
    public const string BadPolicyName = "LP062";
    public const string ReadFailed = "LP063";
    public const string UnresolvedVariable = "LP080";
}
