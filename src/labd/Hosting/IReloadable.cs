using Labd.SandboxPolicy.Config;

namespace Labd.Hosting;

/// <summary>
/// A component that re-reads its own files on <c>systemctl reload labd</c> (SIGHUP), e.g.
/// policies from <see cref="LabdConfig.PolicyDir"/>. Register with
/// <c>services.AddSingleton&lt;IReloadable, MyThing&gt;()</c>. Called between RELOADING=1 and
/// READY=1, after labd.yaml was reloaded; throwing keeps your previous state and is reported
/// in systemd's STATUS= and the log, while the other components still reload.
/// </summary>
internal interface IReloadable
{
    Task ReloadAsync(LabdConfig config, CancellationToken cancellationToken);
}
