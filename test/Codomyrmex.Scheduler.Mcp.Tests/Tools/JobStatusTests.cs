using System.Text.Json;

namespace Codomyrmex.Scheduler.Mcp.Tests.Tools;

/// <summary><c>job_status</c>: what an agent reads about a job and its runs.</summary>
public sealed class JobStatusTests
{
    [Fact]
    public async Task JobStatus_OfAFailedJob_AnswersTheErrorsAsTheirMessage_WithoutTheExceptionTypeTheStoreKeeps()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using var tools = new InProcessTools();
        string id = tools.Scheduler.Schedule(() => throw new InvalidOperationException("disk full"), "import", new IntervalTrigger(hours: 1));
        await Assert.ThrowsAsync<InvalidOperationException>(() => tools.Scheduler.RunNowAsync(id, ct));

        (JsonElement json, bool isError) = await tools.CallAsync("job_status", $$"""{"job_id": "{{id}}"}""");

        Assert.False(isError, json.GetRawText());
        Assert.Equal("disk full", json.GetProperty("error").GetString());
        Assert.Equal("disk full", Assert.Single(json.GetProperty("history").EnumerateArray()).GetProperty("error").GetString());
        Assert.Equal("InvalidOperationException: disk full", (await tools.Scheduler.GetJobAsync(id, ct))!.Error);
    }
}
