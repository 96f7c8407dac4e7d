using System.Text;
using Labd.Egress;

namespace Labd.Tests.Egress;

public sealed class ChunkedBodyScannerTests
{
    private const string Body = "5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: 1\r\n\r\n";
    private const string Next = "GET /secret HTTP/1.1\r\nHost: denied.test\r\n\r\n";

    [Fact]
    public void Body_end_is_found_and_the_pipelined_request_after_it_is_not_part_of_it()
    {
        var scanner = new ChunkedBodyScanner();
        var consumed = scanner.Scan(Encoding.ASCII.GetBytes(Body + Next));
        Assert.True(scanner.IsDone);
        Assert.Equal(Body.Length, consumed);
    }

    [Fact]
    public void Body_end_is_found_whatever_the_segmentation()
    {
        var bytes = Encoding.ASCII.GetBytes(Body + Next);
        for (var segment = 1; segment <= 7; segment++)
        {
            var scanner = new ChunkedBodyScanner();
            var total = 0;
            for (var i = 0; i < bytes.Length && !scanner.IsDone; i += segment)
            {
                total += scanner.Scan(bytes.AsSpan(i, Math.Min(segment, bytes.Length - i)));
            }

            Assert.Equal(Body.Length, total);
        }
    }

    [Fact]
    public void Incomplete_body_is_not_done() =>
        Assert.False(Scanned("5\r\nhel").IsDone);

    [Theory]
    [InlineData("x\r\n")]
    [InlineData("\r\n")]
    [InlineData("5\nhello\r\n")]
    [InlineData("5\r\nhello!\r\n")]
    [InlineData("fffffffffffffffff\r\n")]
    [InlineData("0\r\nbad\ntrailer\r\n\r\n")]
    public void Malformed_bodies_throw(string body) =>
        Assert.Throws<FormatException>(() => Scanned(body));

    private static ChunkedBodyScanner Scanned(string body)
    {
        var scanner = new ChunkedBodyScanner();
        scanner.Scan(Encoding.ASCII.GetBytes(body));
        return scanner;
    }
}
