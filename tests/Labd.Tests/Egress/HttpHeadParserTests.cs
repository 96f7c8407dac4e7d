using System.Text;
using Labd.Egress;

namespace Labd.Tests.Egress;

public sealed class HttpHeadParserTests
{
    private static HttpParseResult Parse(string head) => HttpHeadParser.Parse(Encoding.ASCII.GetBytes(head));

    [Fact]
    public void Origin_form_request_is_named_by_its_host_header()
    {
        var head = Parse("GET /x?y=1 HTTP/1.1\r\nHost: allowed.test\r\nAccept: */*\r\n\r\nbody").Head!;
        Assert.Equal(("allowed.test", (int?)null, "/x?y=1"), (head.Host, head.Port, head.PathAndQuery));
        Assert.Equal("GET /x?y=1 HTTP/1.1\r\nHost: allowed.test\r\nAccept: */*\r\n\r\n".Length, head.HeadLength);
    }

    [Fact]
    public void Host_header_port_is_split_off() =>
        Assert.Equal(8080, Parse("GET / HTTP/1.1\r\nHost: allowed.test:8080\r\n\r\n").Head!.Port);

    [Fact]
    public void Absolute_form_request_is_named_by_its_uri_and_rewritten_to_origin_form()
    {
        var head = Parse("GET http://allowed.test/a HTTP/1.1\r\nHost: allowed.test\r\n\r\n").Head!;
        Assert.Equal(("allowed.test", "/a"), (head.Host, head.PathAndQuery));
    }

    [Fact]
    public void N4_absolute_form_uri_and_host_header_naming_different_hosts_is_rejected() =>
        Assert.NotNull(Parse("GET http://allowed.test/ HTTP/1.1\r\nHost: denied.test\r\n\r\n").Reason);

    [Fact]
    public void Connect_names_its_authority()
    {
        var head = Parse("CONNECT allowed.test:443 HTTP/1.1\r\nHost: allowed.test:443\r\n\r\n").Head!;
        Assert.True(head.IsConnect);
        Assert.Equal(("allowed.test", (int?)443), (head.Host, head.Port));
    }

    [Theory]
    [InlineData("CONNECT allowed.test HTTP/1.1\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: allowed.test\r\nHost: denied.test\r\n\r\n")]
    [InlineData("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n")]
    [InlineData("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n")]
    [InlineData("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost : a\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: allowed.test\nX: y\r\n\r\n")]
    [InlineData("GET / HTTP/2.0\r\nHost: a\r\n\r\n")]
    [InlineData("GET  / HTTP/1.1\r\nHost: a\r\n\r\n")]
    [InlineData("get / HTTP/1.1\r\nHost: a\r\n\r\n")]
    [InlineData("GET https://allowed.test/ HTTP/1.1\r\nHost: allowed.test\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: allowed.test:443@evil.test\r\n\r\n")]
    [InlineData("GET http://allowed.test:443@evil.test/ HTTP/1.1\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: allowed.test\0.evil.test\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: allowed.test:99999\r\n\r\n")]
    public void N6_ambiguous_or_malformed_heads_are_rejected(string head) =>
        Assert.NotNull(Parse(head).Reason);

    [Theory]
    [InlineData("ALLOWED.TEST")]
    [InlineData("allowed.test.")]
    [InlineData("evil.test#allowed.test")]
    [InlineData("allowed.test.evil.test")]
    [InlineData("allowed.test%00.evil.test")]
    [InlineData("0x7f.0.0.1")]
    [InlineData("[::ffff:127.0.0.1]")]
    public void N6_host_names_are_passed_on_exactly_as_sent(string host) =>
        Assert.Equal(host, Parse($"GET / HTTP/1.1\r\nHost: {host}\r\n\r\n").Head!.Host);

    [Fact]
    public void Incomplete_head_asks_for_more_and_bare_lf_heads_are_never_accepted()
    {
        Assert.True(Parse("GET / HTTP/1.1\r\nHost: allowed.test\r\n").IsIncomplete);
        Assert.True(Parse("GET / HTTP/1.1\nHost: allowed.test\n\n").IsIncomplete);
    }

    [Fact]
    public void Head_larger_than_the_cap_is_rejected() =>
        Assert.NotNull(Parse("GET / HTTP/1.1\r\nX: " + new string('a', HttpHeadParser.MaxHeadLength) + "\r\n\r\n").Reason);

    [Fact]
    public void Content_length_and_chunked_are_reported()
    {
        Assert.Equal(5, Parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n").Head!.ContentLength);
        Assert.True(Parse("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n").Head!.Chunked);
    }

    [Fact]
    public void Random_mutations_never_throw()
    {
        var random = new Random(99);
        var original = Encoding.ASCII.GetBytes("POST http://allowed.test:80/p HTTP/1.1\r\nHost: allowed.test:80\r\nContent-Length: 3\r\n\r\nabc");
        for (var i = 0; i < 20_000; i++)
        {
            var mutated = (byte[])original.Clone();
            mutated[random.Next(mutated.Length)] = (byte)random.Next(256);
            _ = HttpHeadParser.Parse(mutated.AsSpan(0, random.Next(mutated.Length + 1)));
        }
    }
}
