using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Codomyrmex.Scheduler.Mcp.Tests.Tools;

/// <summary>The endpoint's refusal to map without a token, and the offset cap of the paged tools.</summary>
public sealed class ReviewFixTests
{
    [Fact]
    public async Task MapSchedulerMcp_WithoutATokenOrAllowAnonymous_Throws_NamingWhatToSet()
    {
        await using var scheduler = new Scheduler(new SchedulerOptions { TimeZone = TimeZoneInfo.Utc });
        await using WebApplication app = Build(scheduler, mcp => { });
        InvalidOperationException error = Assert.Throws<InvalidOperationException>(() => app.MapSchedulerMcp());
        Assert.Contains("AccessToken", error.Message, StringComparison.Ordinal);
        Assert.Contains("AllowAnonymous", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("token", false)]
    [InlineData(null, true)]
    public async Task MapSchedulerMcp_WithATokenOrAllowAnonymous_Maps(string? token, bool allowAnonymous)
    {
        await using var scheduler = new Scheduler(new SchedulerOptions { TimeZone = TimeZoneInfo.Utc });
        await using WebApplication app = Build(scheduler, mcp => (mcp.AccessToken, mcp.AllowAnonymous) = (token, allowAnonymous));
        Assert.NotNull(app.MapSchedulerMcp());
    }

    [Theory]
    [InlineData("list_jobs", 100_001, true)]
    [InlineData("list_jobs", int.MaxValue, true)]
    [InlineData("list_jobs", 100_000, false)]
    [InlineData("job_history", 100_001, true)]
    [InlineData("job_history", 100_000, false)]
    public async Task PagedTools_AnOffsetBeyond100000_IsRefused_NamingTheField(string tool, int offset, bool refused)
    {
        await using var tools = new InProcessTools();
        string id = await tools.ScheduleAsync("paged");
        (JsonElement json, bool isError) = await tools.CallAsync(tool, $$"""{"job_id": "{{id}}", "offset": {{offset}}}""".Replace(
            tool == "list_jobs" ? $"\"job_id\": \"{id}\", " : "\u0000", "", StringComparison.Ordinal));
        Assert.Equal(refused, isError);
        if (refused)
        {
            Assert.Contains("offset", json.GetProperty("error").GetString(), StringComparison.Ordinal);
        }
    }

    private static WebApplication Build(Scheduler scheduler, Action<SchedulerMcpOptions> configure)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Services.AddSchedulerMcp(mcp =>
        {
            mcp.Scheduler = scheduler;
            configure(mcp);
        });
        return builder.Build();
    }
}
