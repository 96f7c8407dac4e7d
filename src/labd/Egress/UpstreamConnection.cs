using System.Net;
using System.Net.Sockets;

namespace Labd.Egress;

/// <summary>The result of dialing: a connected socket, or why there is none.</summary>
internal sealed record UpstreamConnection(Socket? Socket, IPAddress? Address, string? Failure);
