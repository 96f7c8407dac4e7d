namespace Labd.SandboxPolicy.Config;

/// <summary>The configuration file is unreadable or invalid. The message names file:line:column and the fix.</summary>
public sealed class ConfigException : Exception
{
    public ConfigException()
    {
    }

    public ConfigException(string message)
        : base(message)
    {
    }

    public ConfigException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
