using System.CommandLine;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Labd.Protocol;

namespace Labctl.Commands;

/// <summary><c>labctl guide</c>: labd's API guide for agents (markdown), the same text every turn prompt ends with.</summary>
internal static class GuideCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("guide", TrackerCli.Describe(
            "Print labd's guide for agents: what to call first, the metrics contract, how to wait, messages, budget",
            "labctl guide", "labctl guide -o json"));
        command.SetAction((parseResult, cancellationToken) => context.RunAsync(async () =>
        {
            using var client = context.Connect(parseResult);
            var bytes = new MemoryStream();
            await client.StreamAsync(Routes.Guide, (chunk, ct) => bytes.WriteAsync(chunk, ct).AsTask(), cancellationToken).ConfigureAwait(false);
            var text = Encoding.UTF8.GetString(bytes.GetBuffer(), 0, (int)bytes.Length);
            context.Console.Out.Write(context.Format(parseResult) == OutputFormat.Json ? Json(text) + "\n" : text);
            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary><c>{"guide": "..."}</c>: the markdown as one JSON string.</summary>
    internal static string Json(string text)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            writer.WriteString("guide", text);
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
