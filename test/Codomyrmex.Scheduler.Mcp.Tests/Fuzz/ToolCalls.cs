using System.Text;
using System.Text.Json;
using CsCheck;

namespace Codomyrmex.Scheduler.Mcp.Tests.Fuzz;

/// <summary>
/// Random tool calls for the properties: a tool, and its arguments as JSON text. Each field of the tool is left out, given a
/// plausible value (so that some calls succeed and reach the store), or given any JSON: wrong types, huge and deep values,
/// invalid and zone-less dates, control characters, lone surrogates, unknown fields. <c>$ID</c> in the text stands for the
/// id of a job that exists, which the property puts in when it calls.
/// </summary>
internal static class ToolCalls
{
    /// <summary>Every tool and the fields it takes.</summary>
    public static readonly (string Tool, string[] Fields)[] Tools =
    [
        ("schedule_job", ["name", "task", "trigger_type", "trigger_config", "args", "kwargs", "max_runs"]),
        ("list_jobs", ["status", "limit", "offset"]),
        ("cancel_job", ["job_id"]),
        ("job_status", ["job_id"]),
        ("run_job_now", ["job_id"]),
        ("job_history", ["job_id", "limit", "offset"]),
        ("list_tasks", []),
        ("explain_cron", ["expression", "time_zone", "count"]),
        ("pause_job", ["job_id"]),
        ("resume_job", ["job_id"]),
    ];

    /// <summary>Strings that sit on the edges of the tools' rules, written as JSON.</summary>
    private static readonly string[] HostileStrings =
    [
        "\"\"", "\" \"", "\"--delete-all\"", "\"-rf\"", "\"-\"", "\"a\\u0000b\"", "\"\\ud800\"", "\"x\\udc00\"", "\"\\u202eevil\"", "\"\\u001b[2J\"",
        "\"line\\nbreak\"", "\"\\u0085\"", "\"é😀\"", "\"null\"", "\"true\"", "\"1\"", "\"2030-01-01T00:00:00Z\"", "\"2030-01-01T09:00:00\"",
        "\"" + new string('x', 20_000) + "\"", "\"" + new string('n', 201) + "\"", "\"$ID\"", "\"PENDING\"", "\"{\\\"a\\\":1}\"",
    ];

    private static readonly string[] Numbers =
        ["0", "-0", "1", "-1", "2.5", "1.0", "1e2", "1e400", "-1e30", "59", "60", "3600", "86400", "100000", "100001", "2147483648", "9223372036854775808", "1e-7"];

    private const string Alphabet = "abcXYZ019 -_./:*@\n\t\u0000\u001b\u007f\u0085\u202e\u2066é😀\ud800\udc00\"\\";

    private static readonly Gen<string> RandomString =
        Gen.Char[Alphabet].Array[0, 24].Select(chars => JsonSerializer.Serialize(new string(chars)));

    private static readonly Gen<string> Scalar = Gen.Frequency(
        (1, Gen.OneOfConst("null", "true", "false")),
        (2, Gen.OneOfConst(Numbers)),
        (1, Gen.Long.Select(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture))),
        (3, Gen.OneOfConst(HostileStrings)),
        (3, RandomString));

    /// <summary>Any JSON value, nesting up to <paramref name="depth"/> levels, or (rarely) far deeper.</summary>
    private static Gen<string> Value(int depth) => depth == 0
        ? Scalar
        : Gen.Frequency(
            (5, Scalar),
            (2, Value(depth - 1).Array[0, 4].Select(items => "[" + string.Join(",", items) + "]")),
            (2, Gen.Select(Gen.Frequency((3, Gen.OneOfConst(AllFields)), (1, RandomString.Select(key => key[1..^1]))), Value(depth - 1)).Array[0, 4]
                .Select(pairs => "{" + string.Join(",", pairs.Select(p => JsonSerializer.Serialize(p.Item1) + ":" + p.Item2)) + "}")),
            (1, Gen.Int[9, 40].Select(n => new string('[', n) + "\"deep\"" + new string(']', n))),
            (1, Gen.Int[60, 200].Select(n => "[" + string.Join(",", Enumerable.Repeat("\"-x\"", n)) + "]")));

    private static readonly string[] AllFields = [.. Tools.SelectMany(t => t.Fields).Distinct(), "run_at", "seconds", "minutes", "hours", "days", "time_zone", "command", "weeks"];

    private static readonly Gen<string> Any = Value(3);

    private static Gen<string> Quoted(params string[] texts) => Gen.OneOfConst([.. texts.Select(text => JsonSerializer.Serialize(text))]);

    private static Gen<string> Object(params (string Name, Gen<string> Value)[] fields) =>
        Fields(fields.Select(field => (field.Name, Gen.Frequency((3, field.Value), (1, Any)))).ToArray(), unknown: 8);

    /// <summary>A JSON object with each field present or not, and now and then a field the tool does not know.</summary>
    private static Gen<string> Fields((string Name, Gen<string> Value)[] fields, int unknown)
    {
        Gen<List<string>> parts = Gen.Const(() => new List<string>());
        foreach ((string name, Gen<string> value) in fields)
        {
            string key = JsonSerializer.Serialize(name);
            parts = parts.SelectMany(list => Gen.Frequency((1, Gen.Const("")), (3, value)).Select(text =>
            {
                var next = new List<string>(list);
                if (text.Length > 0)
                {
                    next.Add(key + ":" + text);
                }

                return next;
            }));
        }

        return Gen.Select(parts, Gen.Int[0, unknown], Any).Select((list, roll, extra) =>
        {
            var builder = new StringBuilder("{");
            builder.AppendJoin(",", roll == 0 ? [.. list, "\"surprise\":" + extra] : list);
            return builder.Append('}').ToString();
        });
    }

    /// <summary>Plausible values of each field, to be mixed with anything.</summary>
    private static Gen<string> Good(string field, string task) => field switch
    {
        "name" => Gen.Int[0, 999].Select(n => $"\"fz-{n}\""),
        "task" => Quoted(task, task, "nope"),
        "trigger_type" => Quoted("once", "interval", "cron", "weekly"),
        "trigger_config" => Object(
            ("run_at", Quoted("2030-06-01T09:00:00Z", "2031-01-01T00:00:00+02:00", "2030-02-30T00:00:00Z", "2029-01-01T00:00:00Z", "2030-06-01T09:00:00", "soon")),
            ("seconds", Gen.OneOfConst("1", "5", "0", "-1", "1.5", "1e30")),
            ("minutes", Gen.OneOfConst("1", "60", "-5")),
            ("hours", Gen.OneOfConst("1", "24")),
            ("days", Gen.OneOfConst("1", "100000")),
            ("expression", Quoted("0 9 * * 1-5", "*/5 * * * *", "0 0 30 2 *", "@daily", "* * * * * *", "61 * * * *", "", "@reboot")),
            ("time_zone", Quoted("Europe/Berlin", "UTC", "Mars/Olympus", ""))),
        "args" => Gen.Frequency((3, Scalar.Array[0, 4].Select(items => "[" + string.Join(",", items) + "]")), (1, Gen.Const("[\"plain\", 42, true]"))),
        "kwargs" => Object(("format", Scalar), ("PATH", Scalar)),
        "max_runs" => Gen.OneOfConst("1", "3", "0", "1000000", "1000001"),
        "status" => Quoted("pending", "running", "completed", "failed", "cancelled", "PENDING", "sleeping"),
        "limit" or "offset" or "count" => Gen.OneOfConst(Numbers),
        "job_id" => Quoted("$ID", "$ID", "no-such-job"),
        "expression" => Quoted("0 9 * * 1-5", "@hourly", "0 0 30 2 *", "* * *", "*/15 * * * * *"),
        "time_zone" => Quoted("America/New_York", "UTC", "Nowhere/Land"),
        _ => Any,
    };

    /// <summary>A call: the tool's name and its arguments object as JSON text.</summary>
    public static Gen<(string Tool, string Arguments)> Calls(string task) =>
        Gen.OneOfConst(Tools).SelectMany(tool => Fields([.. tool.Fields.Select(field => (field, Gen.Frequency((3, Good(field, task)), (1, Any))))], unknown: 10)
            .Select(arguments => (tool.Tool, arguments)));
}
