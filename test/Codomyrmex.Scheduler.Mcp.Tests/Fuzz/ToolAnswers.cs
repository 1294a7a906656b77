using System.Globalization;
using System.Text.Json;

namespace Codomyrmex.Scheduler.Mcp.Tests.Fuzz;

/// <summary>What a tool's answer must look like: its contract on success, one named error otherwise.</summary>
internal static class ToolAnswers
{
    private static readonly Dictionary<string, string[]> Fields = new(StringComparer.Ordinal)
    {
        ["schedule_job"] = ["job_id", "name", "next_run", "status"],
        ["list_jobs"] = ["jobs", "total", "offset", "limit"],
        ["cancel_job"] = ["cancelled", "job_id"],
        ["job_status"] = ["job_id", "name", "status", "trigger_type", "created_at", "last_run", "next_run", "run_count", "max_runs", "error", "paused", "failure_count", "history", "history_total"],
        ["run_job_now"] = ["job_id", "name", "started"],
        ["job_history"] = ["job_id", "runs", "total", "offset", "limit"],
        ["list_tasks"] = ["tasks"],
        ["explain_cron"] = ["expression", "description", "time_zone", "next_runs"],
        ["pause_job"] = ["job_id", "paused", "status", "next_run"],
        ["resume_job"] = ["job_id", "paused", "status", "next_run"],
    };

    /// <summary>Asserts the answer is the tool's contract or a refusal that names the problem, never an internal error.</summary>
    public static void AssertWellFormed(string tool, JsonElement answer, bool isError)
    {
        Assert.Equal(JsonValueKind.Object, answer.ValueKind);
        if (isError)
        {
            JsonProperty error = Assert.Single(answer.EnumerateObject());
            Assert.Equal("error", error.Name);
            string message = error.Value.GetString()!;
            Assert.False(string.IsNullOrWhiteSpace(message));
            Assert.DoesNotContain("Internal error", message, StringComparison.Ordinal);
            Assert.DoesNotContain("Exception", message, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", message, StringComparison.Ordinal);
            Assert.DoesNotContain("An error occurred", message, StringComparison.Ordinal);
            return;
        }

        Assert.Equal(Fields[tool], answer.EnumerateObject().Select(p => p.Name));
        switch (tool)
        {
            case "schedule_job":
                Assert.Equal("pending", answer.GetProperty("status").GetString());
                Time(answer.GetProperty("next_run"));
                break;
            case "list_jobs":
                Assert.True(answer.GetProperty("jobs").GetArrayLength() <= answer.GetProperty("limit").GetInt32());
                Assert.True(answer.GetProperty("total").GetInt32() >= 0);
                break;
            case "cancel_job":
                Assert.True(answer.GetProperty("cancelled").ValueKind is JsonValueKind.True or JsonValueKind.False);
                break;
            case "job_status":
                Time(answer.GetProperty("created_at"));
                Assert.Equal(JsonValueKind.Array, answer.GetProperty("history").ValueKind);
                break;
            case "run_job_now":
                Assert.True(answer.GetProperty("started").GetBoolean());
                break;
            case "explain_cron":
                Assert.False(string.IsNullOrWhiteSpace(answer.GetProperty("description").GetString()));
                foreach (JsonElement next in answer.GetProperty("next_runs").EnumerateArray())
                {
                    Time(next);
                }

                break;
            case "pause_job" or "resume_job":
                Assert.True(answer.GetProperty("paused").ValueKind is JsonValueKind.True or JsonValueKind.False);
                break;
        }
    }

    /// <summary>An ISO-8601 time with an offset.</summary>
    private static void Time(JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            return;
        }

        string text = value.GetString()!;
        Assert.True(DateTimeOffset.TryParseExact(text, "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz", CultureInfo.InvariantCulture, DateTimeStyles.None, out _), text);
    }
}
