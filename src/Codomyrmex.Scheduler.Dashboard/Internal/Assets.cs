using System.Reflection;
using System.Security.Cryptography;

namespace Codomyrmex.Scheduler.Dashboard.Internal;

/// <summary>The dashboard's stylesheet and script, embedded in this assembly (no CDN, no internet at run time).</summary>
internal static class Assets
{
    private static readonly Dictionary<string, (byte[] Content, string ContentType)> Files = Load();

    /// <summary>A short hash of the assets, added to their addresses so a new version is never served from a stale cache.</summary>
    public static string Version { get; } = Convert.ToHexString(SHA256.HashData(Files.Values.SelectMany(file => file.Content).ToArray()))[..12].ToLowerInvariant();

    public static bool TryGet(string name, out byte[] content, out string contentType)
    {
        if (Files.TryGetValue(name, out (byte[] Content, string ContentType) file))
        {
            (content, contentType) = file;
            return true;
        }

        (content, contentType) = ([], "");
        return false;
    }

    private static Dictionary<string, (byte[], string)> Load()
    {
        Assembly assembly = typeof(Assets).Assembly;
        var files = new Dictionary<string, (byte[], string)>(StringComparer.Ordinal);
        foreach ((string name, string type) in new[] { ("dashboard.css", "text/css; charset=utf-8"), ("dashboard.js", "text/javascript; charset=utf-8") })
        {
            using Stream stream = assembly.GetManifestResourceStream("Codomyrmex.Scheduler.Dashboard." + name)
                ?? throw new InvalidOperationException($"The dashboard's asset {name} is missing from its assembly.");
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            files[name] = (buffer.ToArray(), type);
        }

        return files;
    }
}
