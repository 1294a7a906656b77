using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Codomyrmex.Scheduler.Cli.Commands;

/// <summary>Writes the <c>--json</c> output of a command: one indented JSON document on standard output.</summary>
internal static class JsonOutput
{
    // Output for terminals and scripts, not for embedding in HTML: "+01:00" stays readable instead of "\u002B01:00".
    private static readonly JsonWriterOptions Options = new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static void Write(TextWriter output, Action<Utf8JsonWriter> write)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, Options))
        {
            write(writer);
        }

        output.WriteLine(Encoding.UTF8.GetString(stream.GetBuffer(), 0, (int)stream.Length));
    }
}
