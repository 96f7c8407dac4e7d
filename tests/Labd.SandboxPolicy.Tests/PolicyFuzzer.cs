using System.Text;

namespace Labd.SandboxPolicy.Tests;

/// <summary>
/// Seeded generator of hostile policy files: byte, line and token mutations of the shipped
/// policies, and random YAML including alias bombs, deep nesting, huge scalars, tabs, BOMs
/// and invalid UTF-8.
/// </summary>
internal sealed class PolicyFuzzer(int seed, IReadOnlyList<byte[]> corpus)
{
    private static readonly string[] Tokens =
    [
        "&a", "*a", "&b [*a, *a, *a]", "!!str", "!custom", "rwx", "rw", "ro", "hidden", "..", "${FOO}", "$LAB", "${HOME}", "~",
        "*", "*.com", "*.pypi.org", "[", "]", "{", "}", "---", "...", "0x7f.0.0.1", "127.1", "[::1]:443", "-1", "99999999999999999999",
        "1e309", "\0", "\t", "? ", "|", ">", "<<: *a", "\"", "'", ":", ": ", "- ", "#", "%YAML 1.2", "\uFEFF", "extends: default",
        "extends: gpu-research", "extends: t", "/proc", "/etc/labd", "/", "10.0.0.1/8", "fd00::/8", "gpus: 9999", "memory: 1Q",
        "timeout: 90", "\u202e", "é", "\r", "\r\n", "null", "true", "0o17", ".inf", "files", "network", "allow", "deny", "env", "secrets",
    ];

    private static readonly string[] Keys = ["extends", "network", "allow", "deny", "files", "gpus", "limits", "memory", "cpus", "pids", "timeout", "log", "env", "set", "pass", "secrets", "agents", "description", "${LAB}/x", "/data", "x"];

    private readonly Random _random = new(seed);

    public byte[] Next(int i) => (i % 10) switch
    {
        0 or 1 or 2 => MutateBytes(Pick(corpus)),
        3 or 4 => MutateLines(Pick(corpus)),
        5 or 6 => MutateTokens(Pick(corpus)),
        7 => Encoding.UTF8.GetBytes(RandomYaml(0)),
        8 => Special(i / 10),
        _ => MutateBytes(Encoding.UTF8.GetBytes(RandomYaml(0))),
    };

    private T Pick<T>(IReadOnlyList<T> items) => items[_random.Next(items.Count)];

    private byte[] MutateBytes(byte[] input)
    {
        var bytes = new List<byte>(input);
        var count = 1 + _random.Next(8);
        for (var n = 0; n < count && bytes.Count > 0; n++)
        {
            var at = _random.Next(bytes.Count);
            switch (_random.Next(4))
            {
                case 0:
                    bytes[at] = (byte)_random.Next(256);
                    break;
                case 1:
                    bytes.Insert(at, Pick<byte>([0, 0xff, 0xc0, 0xed, 0xa0, (byte)'\t', (byte)'&', (byte)'*', (byte)'!', (byte)'\n', (byte)'"', (byte)':', (byte)'[', (byte)'{']));
                    break;
                case 2:
                    bytes.RemoveRange(at, Math.Min(bytes.Count - at, 1 + _random.Next(20)));
                    break;
                default:
                    bytes[at] ^= (byte)(1 << _random.Next(8));
                    break;
            }
        }

        return [.. bytes];
    }

    private byte[] MutateLines(byte[] input)
    {
        var lines = Encoding.UTF8.GetString(input).Split('\n').ToList();
        var count = 1 + _random.Next(4);
        for (var n = 0; n < count && lines.Count > 0; n++)
        {
            var at = _random.Next(lines.Count);
            switch (_random.Next(5))
            {
                case 0:
                    lines.Insert(at, lines[_random.Next(lines.Count)]);
                    break;
                case 1:
                    lines.RemoveAt(at);
                    break;
                case 2:
                    (lines[at], lines[^1]) = (lines[^1], lines[at]);
                    break;
                case 3:
                    lines[at] = new string(' ', _random.Next(9)) + lines[at].TrimStart();
                    break;
                default:
                    lines[at] = "\t" + lines[at];
                    break;
            }
        }

        return Encoding.UTF8.GetBytes(string.Join('\n', lines));
    }

    private byte[] MutateTokens(byte[] input)
    {
        var text = Encoding.UTF8.GetString(input);
        var count = 1 + _random.Next(4);
        for (var n = 0; n < count && text.Length > 0; n++)
        {
            var at = _random.Next(text.Length);
            var end = at;
            while (end < text.Length && !char.IsWhiteSpace(text[end]) && text[end] != ':')
            {
                end++;
            }

            text = text[..at] + Pick(Tokens) + text[end..];
        }

        return Encoding.UTF8.GetBytes(text);
    }

    private string RandomYaml(int depth)
    {
        var sb = new StringBuilder();
        var entries = 1 + _random.Next(6);
        for (var n = 0; n < entries; n++)
        {
            var indent = new string(' ', depth * 2);
            sb.Append(indent).Append(Pick(Keys)).Append(':');
            switch (depth > 3 ? 0 : _random.Next(4))
            {
                case 0:
                    sb.Append(' ').Append(Scalar()).Append('\n');
                    break;
                case 1:
                    sb.Append('\n').Append(RandomYaml(depth + 1));
                    break;
                case 2:
                    sb.Append('\n');
                    for (var k = _random.Next(5); k > 0; k--)
                    {
                        sb.Append(indent).Append("  - ").Append(Scalar()).Append('\n');
                    }

                    break;
                default:
                    sb.Append(" [").Append(string.Join(", ", Enumerable.Range(0, _random.Next(4)).Select(_ => Scalar()))).Append("]\n");
                    break;
            }
        }

        return sb.ToString();
    }

    private string Scalar() => _random.Next(6) switch
    {
        0 => Pick(Tokens),
        1 => _random.Next(-5, 100000).ToString(System.Globalization.CultureInfo.InvariantCulture),
        2 => Pick(["pypi.org", "*.npmjs.org", "10.0.0.0/8:5432", "a.test:22", "[fd00::/8]:443", "ro", "rw", "hidden", "16G", "2h", "2.5"]),
        3 => "\"" + new string((char)_random.Next(32, 127), _random.Next(1, 40)).Replace("\"", "", StringComparison.Ordinal).Replace("\\", "", StringComparison.Ordinal) + "\"",
        4 => "/" + string.Join('/', Enumerable.Range(0, _random.Next(4)).Select(_ => Pick(Keys))),
        _ => Pick(Keys),
    };

    private byte[] Special(int n) => (n % 8) switch
    {
        0 => Encoding.UTF8.GetBytes(BillionLaughs()),
        1 => Encoding.UTF8.GetBytes("files: " + new string('[', 1000 + _random.Next(50_000))),
        2 => Encoding.UTF8.GetBytes("network:\n  allow:\n" + string.Concat(Enumerable.Repeat("    - {a: {b: {c: {d: [[[[", 1 + _random.Next(200)))),
        3 => Encoding.UTF8.GetBytes("description: \"" + new string('x', _random.Next(1000, 300_000)) + "\"\ngpus: 1\n"),
        4 => [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes("\uFEFFgpus: 1\n\uFEFFfiles: {}\n")],
        5 => [.. Encoding.UTF8.GetBytes("files:\n\t/data: ro\n  /x:\trw\n"), 0xff, 0xfe, 0x00],
        6 => Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, 2000).Select(i => $"k{i}: &a{i} [*a{Math.Max(0, i - 1)}]\n"))),
        _ => [.. Enumerable.Range(0, _random.Next(1, 4096)).Select(_ => (byte)_random.Next(256))],
    };

    private static string BillionLaughs()
    {
        var sb = new StringBuilder("a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
        for (var c = 'b'; c <= 'j'; c++)
        {
            var p = (char)(c - 1);
            sb.Append($"{c}: &{c} [*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p}]\n");
        }

        return sb.ToString();
    }
}
