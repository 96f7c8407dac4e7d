using System.Runtime.Versioning;

// labctl is Linux-only (see src/labctl/LinuxOnly.cs); so are its tests.
[assembly: SupportedOSPlatform("linux")]
