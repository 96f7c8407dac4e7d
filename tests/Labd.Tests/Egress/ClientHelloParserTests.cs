using System.Text;
using Labd.Egress;
using Labd.Testing;

namespace Labd.Tests.Egress;

public sealed class ClientHelloParserTests
{
    private static ClientHelloResult Parse(byte[] data) => ClientHelloParser.Parse(data);

    [Fact]
    public void OpenSsl_client_hello_yields_its_server_name() =>
        Assert.Equal(ClientHelloResult.Name("allowed.test"), Parse(RealClientHellos.OpenSsl));

    [Fact(Timeout = 20_000)]
    public async Task DotNet_client_hello_yields_its_server_name()
    {
        var hello = await RealClientHellos.DotNetAsync("allowed.test", TestContext.Current.CancellationToken);
        Assert.Equal("allowed.test", Parse(hello).ServerName);
    }

    [Fact]
    public void Every_proper_prefix_of_a_client_hello_is_incomplete_never_a_verdict()
    {
        var hello = RealClientHellos.OpenSsl;
        for (var i = 0; i < hello.Length; i++)
        {
            Assert.Equal(ClientHelloStatus.Incomplete, ClientHelloParser.Parse(hello.AsSpan(0, i)).Status);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(64)]
    public void N6_client_hello_split_across_records_is_reassembled(int fragment)
    {
        var handshake = ClientHelloBuilder.Handshake(ClientHelloBuilder.Body([ClientHelloBuilder.SniExtension([Encoding.ASCII.GetBytes("allowed.test")])]));
        Assert.Equal("allowed.test", Parse(ClientHelloBuilder.Records(handshake, fragment)).ServerName);
    }

    [Fact]
    public void N7_client_hello_without_sni_is_rejected() =>
        Assert.Equal(ClientHelloResult.Reject("missing SNI"), Parse(ClientHelloBuilder.Build()));

    [Fact]
    public void N7_client_hello_without_any_extension_is_rejected() =>
        Assert.Equal("missing SNI", Parse(ClientHelloBuilder.Records(ClientHelloBuilder.Handshake(ClientHelloBuilder.Body([], withExtensionBlock: false)))).Reason);

    [Fact]
    public void N7_client_hello_with_ech_is_rejected_even_with_an_allowed_outer_name()
    {
        var ech = (ClientHelloBuilder.EncryptedClientHello, Convert.FromHexString("0000010001000020" + new string('a', 64) + "0010" + new string('b', 32)));
        var hello = ClientHelloBuilder.Records(ClientHelloBuilder.Handshake(ClientHelloBuilder.Body(
            [ClientHelloBuilder.SniExtension([Encoding.ASCII.GetBytes("allowed.test")]), ech])));
        Assert.Contains("ECH", Parse(hello).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void N6_sni_with_two_names_is_rejected() =>
        Assert.Equal(ClientHelloStatus.Rejected, Parse(ClientHelloBuilder.Build("allowed.test", "evil.test")).Status);

    [Fact]
    public void N6_empty_sni_is_rejected()
    {
        Assert.Equal(ClientHelloStatus.Rejected, Parse(ClientHelloBuilder.Build("")).Status);
        var emptyList = ClientHelloBuilder.Records(ClientHelloBuilder.Handshake(ClientHelloBuilder.Body([(0, [0, 0])])));
        Assert.Equal(ClientHelloStatus.Rejected, Parse(emptyList).Status);
    }

    [Fact]
    public void N6_sni_longer_than_253_bytes_is_rejected() =>
        Assert.Equal(ClientHelloStatus.Rejected, Parse(ClientHelloBuilder.Build(new string('a', 250) + ".test")).Status);

    [Theory]
    [InlineData("allowed.test\0.evil.test")]
    [InlineData("allowed.test .evil.test")]
    [InlineData("allowed.tést")]
    public void N6_sni_with_bytes_that_are_not_printable_ascii_is_rejected(string name)
    {
        var hello = ClientHelloBuilder.Records(ClientHelloBuilder.Handshake(ClientHelloBuilder.Body(
            [ClientHelloBuilder.SniExtension([Encoding.UTF8.GetBytes(name)])])));
        Assert.Equal(ClientHelloStatus.Rejected, Parse(hello).Status);
    }

    [Theory]
    [InlineData("ALLOWED.TEST")]
    [InlineData("allowed.test.")]
    [InlineData("*.allowed.test")]
    [InlineData("allowed.test.evil.test")]
    [InlineData("evil.test#allowed.test")]
    [InlineData("allowed.test:443@evil.test")]
    [InlineData("xn--allwed-5ya.test")]
    [InlineData("under_score.allowed.test")]
    [InlineData("127.1")]
    public void N6_server_names_are_passed_on_exactly_as_sent(string name) =>
        Assert.Equal(name, Parse(ClientHelloBuilder.Build(name)).ServerName);

    [Fact]
    public void Huge_handshake_length_is_rejected_without_waiting_for_it()
    {
        byte[] hello = [0x16, 0x03, 0x01, 0x00, 0x04, 0x01, 0xff, 0xff, 0xff];
        Assert.Equal(ClientHelloStatus.Rejected, Parse(hello).Status);
    }

    [Fact]
    public void Oversized_record_is_rejected() =>
        Assert.Equal(ClientHelloStatus.Rejected, Parse([0x16, 0x03, 0x01, 0x48, 0x01, 0x01]).Status);

    [Theory]
    [InlineData(new byte[] { 0x17, 0x03, 0x03, 0x00, 0x01, 0x00 })]
    [InlineData(new byte[] { 0x16, 0x02, 0x00, 0x00, 0x01, 0x01 })]
    [InlineData(new byte[] { 0x16, 0x03, 0x01, 0x00, 0x00 })]
    [InlineData(new byte[] { 0x16, 0x03, 0x01, 0x00, 0x04, 0x02, 0x00, 0x00, 0x00 })]
    public void Non_client_hello_records_are_rejected(byte[] data) =>
        Assert.Equal(ClientHelloStatus.Rejected, Parse(data).Status);

    [Fact]
    public void Duplicate_extensions_are_rejected()
    {
        var sni = ClientHelloBuilder.SniExtension([Encoding.ASCII.GetBytes("allowed.test")]);
        var hello = ClientHelloBuilder.Records(ClientHelloBuilder.Handshake(ClientHelloBuilder.Body([sni, sni])));
        Assert.Equal(ClientHelloStatus.Rejected, Parse(hello).Status);
    }

    [Fact]
    public void Data_after_the_client_hello_in_the_same_flight_is_rejected()
    {
        var hello = ClientHelloBuilder.Build("allowed.test");
        var handshake = ClientHelloBuilder.Handshake(ClientHelloBuilder.Body([ClientHelloBuilder.SniExtension([Encoding.ASCII.GetBytes("allowed.test")])]));
        var withTrailer = ClientHelloBuilder.Records([.. handshake, 0x01]);
        Assert.Equal(ClientHelloStatus.ServerName, Parse(hello).Status);
        Assert.Equal(ClientHelloStatus.Rejected, Parse(withTrailer).Status);
    }

    [Fact]
    public void Random_mutations_of_a_real_client_hello_never_throw_and_never_invent_a_name()
    {
        var random = new Random(1234);
        var original = RealClientHellos.OpenSsl;
        for (var i = 0; i < 20_000; i++)
        {
            var mutated = (byte[])original.Clone();
            for (var j = random.Next(1, 4); j > 0; j--)
            {
                mutated[random.Next(mutated.Length)] = (byte)random.Next(256);
            }

            var result = ClientHelloParser.Parse(mutated.AsSpan(0, random.Next(mutated.Length + 1)));
            Assert.True(result.ServerName is null or "allowed.test" || result.ServerName.Length == "allowed.test".Length, result.ServerName);
        }
    }
}
