using System.Runtime.Versioning;

// labctl talks to a Linux daemon over a Unix socket and probes Linux paths; it runs nowhere else.
[assembly: SupportedOSPlatform("linux")]
