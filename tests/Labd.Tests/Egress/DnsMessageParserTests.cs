using System.Net;
using Labd.Egress;

namespace Labd.Tests.Egress;

public sealed class DnsMessageParserTests
{
    [Fact]
    public void Query_round_trips_with_the_case_the_client_sent()
    {
        var question = DnsMessageParser.ParseQuery(DnsMessageWriter.Query(0x1234, "Allowed.Test", DnsRecordTypes.Aaaa), out var error);
        Assert.Null(error);
        Assert.Equal((0x1234, "Allowed.Test", DnsRecordTypes.Aaaa, true), (question!.Id, question.Name, question.Type, question.RecursionDesired));
    }

    [Fact]
    public void Response_carries_the_answers_and_echoes_the_question()
    {
        var query = DnsMessageWriter.Query(7, "allowed.test", DnsRecordTypes.A);
        var question = DnsMessageParser.ParseQuery(query, out _)!;
        IPAddress[] addresses = [IPAddress.Parse("198.51.100.10"), IPAddress.Parse("198.51.100.11")];
        var response = DnsMessageWriter.Response(7, true, question.RawQuestion, DnsRecordTypes.NoError, addresses);
        Assert.Equal(addresses, DnsMessageParser.ParseAddresses(response, 7, DnsRecordTypes.A, out var rcode));
        Assert.Equal(0, rcode);
        Assert.Null(DnsMessageParser.ParseAddresses(response, 8, DnsRecordTypes.A, out _));
    }

    [Fact]
    public void Compressed_question_name_is_rejected()
    {
        byte[] query = [0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1];
        Assert.Null(DnsMessageParser.ParseQuery(query, out var error));
        Assert.Contains("compressed", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new byte[] { 0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 3, (byte)'a', (byte)'.', (byte)'b', 0, 0, 1, 0, 1 })]
    [InlineData(new byte[] { 0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 3, (byte)'a', 0, (byte)'b', 0, 0, 1, 0, 1 })]
    [InlineData(new byte[] { 0, 1, 1, 0, 0, 2, 0, 0, 0, 0, 0, 0, 1, (byte)'a', 0, 0, 1, 0, 1 })]
    [InlineData(new byte[] { 0, 1, 0x81, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, (byte)'a', 0, 0, 1, 0, 1 })]
    [InlineData(new byte[] { 0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 5, (byte)'a' })]
    [InlineData(new byte[] { 0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, (byte)'a', 0, 0, 1 })]
    public void Malformed_queries_are_rejected_but_their_id_can_still_be_answered(byte[] query)
    {
        Assert.Null(DnsMessageParser.ParseQuery(query, out _));
        Assert.Equal((ushort)1, DnsMessageParser.TryReadId(query));
    }

    [Fact]
    public void Names_longer_than_255_bytes_are_rejected()
    {
        var labels = string.Join('.', Enumerable.Repeat(new string('a', 63), 4));
        Assert.Null(DnsMessageParser.ParseQuery(DnsMessageWriter.Query(1, labels, DnsRecordTypes.A), out var error));
        Assert.Equal("name too long", error);
    }

    [Fact]
    public void Compression_loops_and_forward_pointers_in_responses_are_rejected()
    {
        byte[] self = [0, 9, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1];
        byte[] forward = [0, 9, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 14, 0, 0, 1, 0, 1];
        Assert.Null(DnsMessageParser.ParseAddresses(self, 9, DnsRecordTypes.A, out _));
        Assert.Null(DnsMessageParser.ParseAddresses(forward, 9, DnsRecordTypes.A, out _));
    }

    [Fact]
    public void Random_bytes_never_throw()
    {
        var random = new Random(7);
        var valid = DnsMessageWriter.Response(3, true, DnsMessageParser.ParseQuery(DnsMessageWriter.Query(3, "a.allowed.test", 1), out _)!.RawQuestion, 0, [IPAddress.Loopback]);
        for (var i = 0; i < 20_000; i++)
        {
            var mutated = (byte[])valid.Clone();
            mutated[random.Next(mutated.Length)] = (byte)random.Next(256);
            var slice = mutated.AsSpan(0, random.Next(mutated.Length + 1));
            _ = DnsMessageParser.ParseQuery(slice, out _);
            _ = DnsMessageParser.ParseAddresses(slice, 3, DnsRecordTypes.A, out _);
        }
    }
}
