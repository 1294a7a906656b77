using System.Text;

namespace Codomyrmex.Scheduler.Cli.Tests.Hostile;

/// <summary>
/// Malformed jobs files, each with where its error must be reported and what the message must name: encodings, sizes,
/// nesting, types, duplicates, ranges and overflows, NUL, damaged and foreign files.
/// </summary>
internal static class HostileFiles
{
    /// <summary>A hostile file: its name (which picks the format), content, the error's line and column (0, 0 for the whole file), and a part of the message.</summary>
    internal sealed record Case(string FileName, byte[] Content, int Line, int Column, string Message, params string[] Options);

    private static readonly string Big = new(' ', 4 * 1024 * 1024);

    public static readonly IReadOnlyDictionary<string, Case> All = new Dictionary<string, Case>
    {
        // Encodings.
        ["latin1-in-json-name"] = new("jobs.json", Bytes("{\"jobs\":[{\"name\":\"caf", 0xE9, "\",\"schedule\":\"@daily\",\"command\":[\"x\"]}]}"), 1, 22, "the byte 0xE9 is not UTF-8"),
        ["latin1-in-crontab-command"] = new("crontab", Bytes("@daily echo caf", 0xE9, "\n"), 1, 16, "the byte 0xE9 is not UTF-8"),
        ["utf16-file"] = new("jobs.json", Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes("{\"jobs\":[]}")).ToArray(), 1, 1, "the byte 0xFF is not UTF-8"),
        ["overlong-utf8"] = new("crontab", Bytes("@daily echo ", 0xC0, 0xAF, "\n"), 1, 13, "the byte 0xC0 is not UTF-8"),
        ["truncated-utf8-at-end"] = new("crontab", Bytes("@daily echo ", 0xE2, 0x82), 1, 13, "the byte 0xE2 is not UTF-8"),
        ["escaped-lone-high-surrogate"] = new("jobs.json", Json("""{"jobs":[{"name":"\ud800","schedule":"@daily","command":["x"]}]}"""), 1, 18, "escaped lone surrogate"),
        ["escaped-lone-low-surrogate-in-key"] = new("jobs.json", Json("""{"jobs":[{"\udc00":1,"name":"a","schedule":"@daily","command":["x"]}]}"""), 1, 11, "escaped lone surrogate"),

        // Sizes.
        ["larger-than-the-limit"] = new("jobs.json", Encoding.UTF8.GetBytes("{\"jobs\":[]}" + Big), 0, 0, "larger than 4 MiB"),
        ["empty-argv"] = new("jobs.json", Json("""{"jobs":[{"name":"a","schedule":"@daily","command":[]}]}"""), 1, 52, "\"command\" needs a program"),

        // Nesting.
        ["deeply-nested-arrays"] = new("jobs.json", Json("{\"jobs\":" + new string('[', 10_000) + new string(']', 10_000) + "}"), 1, 72, "invalid JSON: The maximum configured depth of 64 has been exceeded"),
        ["object-as-env-value"] = new("jobs.json", Json("""{"jobs":[{"name":"a","schedule":"@daily","command":["x"],"env":{"K":{"L":"v"}}}]}"""), 1, 69, "the value of \"K\" in \"env\" must be a string"),

        // Types.
        ["root-is-an-array"] = new("jobs.json", Json("""[{"name":"a"}]"""), 1, 1, "a jobs file is an object"),
        ["jobs-is-an-object"] = new("jobs.json", Json("""{"jobs":{}}"""), 1, 9, "\"jobs\" must be an array"),
        ["name-is-a-number"] = new("jobs.json", Json("""{"jobs":[{"name":5,"schedule":"@daily","command":["x"]}]}"""), 1, 18, "\"name\" must be a string"),
        ["null-argument"] = new("jobs.json", Json("""{"jobs":[{"name":"a","schedule":"@daily","command":["x",null]}]}"""), 1, 57, "each argument of \"command\" must be a string, not null"),
        ["max-runs-beyond-int"] = new("jobs.json", Json("""{"jobs":[{"name":"a","schedule":"@daily","command":["x"],"max_runs":2147483648}]}"""), 1, 69, "\"max_runs\" must be a whole number, 1 or more, not 2147483648"),
        ["max-runs-1e400"] = new("jobs.json", Json("""{"jobs":[{"name":"a","schedule":"@daily","command":["x"],"max_runs":1e400}]}"""), 1, 69, "not 1e400"),

        // Duplicates.
        ["duplicate-key-in-job"] = new("jobs.json", Json("""{"jobs":[{"name":"a","name":"b","schedule":"@daily","command":["x"]}]}"""), 1, 22, "the key \"name\" is given twice"),
        ["two-jobs-arrays"] = new("jobs.json", Json("{\"jobs\":[],\n\"jobs\":[{\"name\":\"a\",\"schedule\":\"@daily\",\"command\":[\"x\"]}]}"), 2, 1, "the key \"jobs\" is given twice in one object (first on line 1)"),
        ["duplicate-env-name"] = new("jobs.json", Json("""{"jobs":[{"name":"a","schedule":"@daily","command":["x"],"env":{"K":"1","K":"2"}}]}"""), 1, 73, "the key \"K\" is given twice"),
        ["duplicate-key-in-trigger"] = new("jobs.json", Json("""{"jobs":[{"name":"a","trigger":{"type":"interval","minutes":1,"minutes":2},"command":["x"]}]}"""), 1, 63, "the key \"minutes\" is given twice"),

        // Ranges and overflows.
        ["interval-of-10675199-days"] = new("jobs.json", Json("""{"jobs":[{"name":"a","trigger":{"type":"interval","days":10675199},"command":["x"]}]}"""), 1, 32, "the scheduler refuses job 'a'"),
        ["interval-ended-in-the-past"] = new("jobs.json", Json("""{"jobs":[{"name":"a","trigger":{"type":"interval","minutes":1,"end_time":"2020-01-01T00:00:00Z"},"command":["x"]}]}"""), 1, 32, "never fires"),
        ["once-in-year-10000"] = new("jobs.json", Json("""{"jobs":[{"name":"a","trigger":{"type":"once","run_at":"10000-01-01T00:00:00Z"},"command":["x"]}]}"""), 1, 56, "\"run_at\""),
        ["timeout-of-twenty-digits"] = new("jobs.json", Json("""{"jobs":[{"name":"a","schedule":"@daily","command":["x"],"timeout":"99999999999999999999d"}]}"""), 1, 68, "\"timeout\": the duration \"99999999999999999999d\" is invalid"),
        ["every-huge"] = new("crontab", Json("@every 99999999999999d echo x\n"), 1, 8, "@every 99999999999999d"),
        ["never-fires"] = new("crontab", Json("0 0 30 2 * echo x\n"), 1, 1, "never fires"),

        // NUL and the environment.
        ["nul-in-argv"] = new("jobs.json", Json("""{"jobs":[{"name":"a","schedule":"@daily","command":["x\u0000y"]}]}"""), 1, 53, "NUL character"),
        ["nul-in-name"] = new("jobs.json", Json("""{"jobs":[{"name":"a\u0000","schedule":"@daily","command":["x"]}]}"""), 1, 18, "NUL character"),
        ["nul-in-crontab"] = new("crontab", Bytes("@daily echo a", 0, "b\n"), 1, 14, "NUL character"),
        ["nul-in-working-dir"] = new("jobs.json", Json("""{"jobs":[{"name":"a","schedule":"@daily","command":["x"],"working_dir":"/tmp\u0000x"}]}"""), 1, 72, "NUL character"),
        ["empty-working-dir"] = new("jobs.json", Json("""{"jobs":[{"name":"a","schedule":"@daily","command":["x"],"working_dir":""}]}"""), 1, 72, "\"working_dir\" is empty"),
        ["line-break-in-name"] = new("jobs.json", Json("""{"jobs":[{"name":"a\n2026-01-01 ok forged","schedule":"@daily","command":["x"]}]}"""), 1, 18, "holds a control character"),
        ["empty-env-name"] = new("jobs.json", Json("""{"jobs":[{"name":"a","schedule":"@daily","command":["x"],"env":{"":"1"}}]}"""), 1, 65, "an environment variable's name is empty"),
        ["env-name-with-equals"] = new("jobs.json", Json("""{"jobs":[{"name":"a","schedule":"@daily","command":["x"],"env":{"A=B":"1"}}]}"""), 1, 65, "\"A=B\" contains '='"),

        // Crontab lines.
        ["no-command"] = new("crontab", Json("0 9 * * 1-5\n"), 1, 12, "has no command after it"),
        ["reboot-without-command"] = new("crontab", Json("@reboot\n"), 1, 8, "'@reboot' has no command"),
        ["unescaped-percent"] = new("crontab", Json("0 0 * * * date +%Y\n"), 1, 17, "an unescaped % in a crontab command"),
        ["cron-tz-is-a-zone-folder"] = new("crontab", Json("CRON_TZ=America\n@daily x\n"), 1, 9, "unknown time zone 'America'"),
        ["bad-cron-tz"] = new("crontab", Json("CRON_TZ=Mars/Base\n@daily x\n"), 1, 9, "unknown time zone 'Mars/Base'"),
        ["system-crontab-read-as-a-user-crontab"] = new("crontab", Json("0 * * * * root /bin/true\n"), 1, 11, "the command starts with 'root', an account"),
        ["user-crontab-read-as-system"] = new("crontab", Json("0 * * * * /usr/bin/backup --all\n"), 1, 11, "'/usr/bin/backup' is not an account name", "--system"),
        ["system-crontab-unknown-user"] = new("crontab", Json("0 * * * * no-such-user-4711 /bin/true\n"), 1, 11, "there is no account 'no-such-user-4711'", "--system"),
        ["system-crontab-without-user"] = new("crontab", Json("@daily\n"), 1, 7, "has no user after it", "--system"),
        ["system-crontab-as-json"] = new("jobs.json", Json("{\"jobs\":[]}"), 0, 0, "this is a JSON jobs file, but a system crontab was asked for", "--system"),

        // Damaged and foreign files.
        ["truncated-json"] = new("jobs.json", Json("""{"jobs":[{"name":"a","schedule":"""), 1, 33, "invalid JSON"),
        ["gzip"] = new("jobs", [0x1F, 0x8B, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00], 1, 2, "the byte 0x8B is not UTF-8"),
        ["png"] = new("jobs", [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], 1, 1, "the byte 0x89 is not UTF-8"),
        ["sqlite-database"] = new("jobs", Bytes("SQLite format 3", 0, "\n"), 1, 16, "NUL character"),
        ["elf-header"] = new("jobs", [0x7F, 0x45, 0x4C, 0x46, 0x02, 0x01, 0x01, 0x00], 1, 8, "NUL character"),
    };

    /// <summary>The names of the cases, for a theory.</summary>
    public static TheoryData<string> Names => [.. All.Keys];

    private static byte[] Json(string text) => Encoding.UTF8.GetBytes(text);

    /// <summary>Text and raw bytes, in order: strings as UTF-8, integers as one byte each.</summary>
    private static byte[] Bytes(params object[] parts) =>
        [.. parts.SelectMany(part => part is string text ? Encoding.UTF8.GetBytes(text) : [(byte)(int)part])];
}
