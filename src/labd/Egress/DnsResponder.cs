using System.Net;
using System.Net.Sockets;

namespace Labd.Egress;

/// <summary>
/// Answers one sandbox's DNS queries. Only A and AAAA for names the policy may resolve are
/// answered; everything else gets REFUSED without anything being sent upstream, so a label
/// outside the allowlist never leaves the host (N10). Allowed names are resolved upstream and
/// answered with the real addresses, minus those the proxy would refuse to dial (so rebinding
/// answers like 127.0.0.1 never reach the sandbox either). The addresses matter little: every
/// TCP connection is DNAT'ed to the proxy, which resolves again and dials what it resolved;
/// real answers keep tools that print or compare addresses honest, and a name that does not
/// exist still looks like it.
/// </summary>
internal sealed class DnsResponder(EgressContext context, IEgressResolver resolver, AddressGuard guard)
{
    internal const int DnsPort = 53;

    public async Task<byte[]?> AnswerAsync(ReadOnlyMemory<byte> query, CancellationToken cancellationToken)
    {
        var question = DnsMessageParser.ParseQuery(query.Span, out var error);
        if (question is null)
        {
            var id = DnsMessageParser.TryReadId(query.Span);
            if (id is null)
            {
                EgressLog.DnsDropped(context.Logger, context.RunId);
                return null;
            }

            context.Decisions.Record(EgressKinds.Dns, "", DnsPort, false, $"malformed query: {error}");
            return DnsMessageWriter.Response(id.Value, false, null, DnsRecordTypes.Refused, []);
        }

        // DNS names are case-insensitive (RFC 4343); stub resolvers may randomize case.
        var name = question.Name.ToLowerInvariant();
        if (question.Class != DnsRecordTypes.ClassIn || question.Type is not (DnsRecordTypes.A or DnsRecordTypes.Aaaa))
        {
            return Refuse(question, name, $"only A and AAAA queries are answered (type {question.Type})");
        }

        bool mayResolve;
        try
        {
            mayResolve = name.Length > 0 && context.Matcher.MayResolve(name);
        }
#pragma warning disable CA1031 // Fail closed on any policy bug.
        catch (Exception)
#pragma warning restore CA1031
        {
            mayResolve = false;
        }

        if (!mayResolve)
        {
            return Refuse(question, name, "name not allowed by policy");
        }

        var family = question.Type == DnsRecordTypes.A ? AddressFamily.InterNetwork : AddressFamily.InterNetworkV6;
        IReadOnlyList<IPAddress> resolved;
        using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            deadline.CancelAfter(context.Options.ResolveTimeout);
            try
            {
                resolved = await resolver.ResolveAsync(name, family, deadline.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is SocketException or TimeoutException
                || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                context.Decisions.Record(EgressKinds.Dns, name, DnsPort, false, "upstream resolution failed");
                return DnsMessageWriter.Response(question.Id, question.RecursionDesired, question.RawQuestion, DnsRecordTypes.ServFail, []);
            }
        }

        var usable = resolved.Where(a => context.Matcher.Ports.Any(p => guard.Check(a, p, context.Matcher) is null)).ToList();
        if (resolved.Count > 0 && usable.Count == 0)
        {
            return Refuse(question, name, $"resolved only to addresses the proxy refuses ({string.Join(", ", resolved)})");
        }

        context.Decisions.Record(EgressKinds.Dns, name, DnsPort, true, "name allowed by policy", string.Join(",", usable));
        return DnsMessageWriter.Response(question.Id, question.RecursionDesired, question.RawQuestion, DnsRecordTypes.NoError, usable);
    }

    private byte[] Refuse(DnsQuestion question, string name, string reason)
    {
        context.Decisions.Record(EgressKinds.Dns, name, DnsPort, false, reason);
        return DnsMessageWriter.Response(question.Id, question.RecursionDesired, question.RawQuestion, DnsRecordTypes.Refused, []);
    }
}
