using Labd.Protocol;

namespace Labctl.Client;

/// <summary>The GPUs API, typed: what <c>labctl gpu ls</c> calls.</summary>
internal sealed partial class LabdClient
{
    /// <summary>Each GPU and its lease as the caller may see it: <c>GET /v1/gpus</c>.</summary>
    public Task<LabdResponse<IReadOnlyList<GpuState>>> GpusAsync(CancellationToken cancellationToken) =>
        GetAsync(Routes.Gpus, ProtocolJsonContext.Default.IReadOnlyListGpuState, cancellationToken);
}
