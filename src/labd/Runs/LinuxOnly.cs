using System.Runtime.Versioning;

// labd runs only on Linux (namespaces, seccomp, /proc); this silences CA1416 for the Unix-only
// BCL APIs (UnixFileMode, PosixSignalRegistration) the Runs component uses.
[assembly: SupportedOSPlatform("linux")]
