using System.Text;

namespace Labd.Testing;

/// <summary>Handcrafts ClientHellos byte by byte, including ones no real client would send.
/// Compiled into both Labd.Tests and Labd.IntegrationTests (linked from tests/Shared).</summary>
internal static class ClientHelloBuilder
{
    public const ushort ServerName = 0x0000;
    public const ushort EncryptedClientHello = 0xfe0d;

    public static byte[] Build(params string[] serverNames) =>
        Records(Handshake(Body(serverNames.Length == 0 ? [] : [SniExtension(serverNames.Select(Encoding.ASCII.GetBytes))])));

    public static byte[] Body(IEnumerable<(ushort Type, byte[] Data)> extensions, bool withExtensionBlock = true)
    {
        var body = new List<byte> { 0x03, 0x03 };
        body.AddRange(new byte[32]);
        body.Add(0);
        body.AddRange([0x00, 0x02, 0x13, 0x01]);
        body.AddRange([0x01, 0x00]);
        if (withExtensionBlock)
        {
            var block = new List<byte>();
            foreach (var (type, data) in extensions)
            {
                AddU16(block, type);
                AddU16(block, data.Length);
                block.AddRange(data);
            }

            AddU16(body, block.Count);
            body.AddRange(block);
        }

        return [.. body];
    }

    public static (ushort, byte[]) SniExtension(IEnumerable<byte[]> names)
    {
        var list = new List<byte>();
        foreach (var name in names)
        {
            list.Add(0);
            AddU16(list, name.Length);
            list.AddRange(name);
        }

        var data = new List<byte>();
        AddU16(data, list.Count);
        data.AddRange(list);
        return (ServerName, [.. data]);
    }

    public static byte[] Handshake(byte[] body) =>
        [0x01, (byte)(body.Length >> 16), (byte)(body.Length >> 8), (byte)body.Length, .. body];

    /// <summary>Wraps a handshake in TLS records of at most <paramref name="fragment"/> bytes each.</summary>
    public static byte[] Records(byte[] handshake, int fragment = 16384)
    {
        var output = new List<byte>();
        for (var i = 0; i < handshake.Length; i += fragment)
        {
            var length = Math.Min(fragment, handshake.Length - i);
            output.AddRange([0x16, 0x03, 0x01]);
            AddU16(output, length);
            output.AddRange(handshake.AsSpan(i, length).ToArray());
        }

        return [.. output];
    }

    private static void AddU16(List<byte> buffer, int value)
    {
        buffer.Add((byte)(value >> 8));
        buffer.Add((byte)value);
    }
}
