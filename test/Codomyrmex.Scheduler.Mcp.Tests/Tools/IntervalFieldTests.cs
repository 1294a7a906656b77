using System.Globalization;
using System.Text.Json;
using CsCheck;

namespace Codomyrmex.Scheduler.Mcp.Tests.Tools;

/// <summary>
/// The numeric fields of an interval trigger: a value too large for its unit is refused naming the field and its bound, never
/// answered with an internal error (a sum of seconds that no <see cref="TimeSpan"/> holds).
/// </summary>
public sealed class IntervalFieldTests
{
    [Theory]
    [InlineData("seconds", "2147483647")]
    [InlineData("minutes", "2147483647")]
    [InlineData("hours", "250000000")]
    [InlineData("hours", "2147483647")]
    [InlineData("days", "2147483647")]
    [InlineData("days", "2147483648")]
    [InlineData("days", "9223372036854775807")]
    [InlineData("days", "1e15")]
    public async Task ScheduleJob_AnIntervalFieldBeyondItsBound_IsRefusedNamingTheFieldAndTheBound(string field, string value)
    {
        await using var tools = new InProcessTools();
        long bound = Bound(field);

        (JsonElement answer, bool isError) = await tools.CallAsync("schedule_job",
            $$$"""{"name": "c9", "task": "report", "trigger_type": "interval", "trigger_config": {"{{{field}}}": {{{value}}}}}""");

        Assert.True(isError, answer.GetRawText());
        Assert.Equal(string.Create(CultureInfo.InvariantCulture, $"\"{field}\" is {value}; it must be from 0 to {bound}; at most 3660 days are allowed."),
            answer.GetProperty("error").GetString());
        Assert.Empty((await tools.Scheduler.ListJobsAsync(new JobQuery(), TestContext.Current.CancellationToken)).Items);
    }

    [Theory]
    [InlineData("seconds")]
    [InlineData("minutes")]
    [InlineData("hours")]
    [InlineData("days")]
    public async Task ScheduleJob_AnIntervalFieldAtItsBound_IsAccepted(string field)
    {
        await using var tools = new InProcessTools();
        long bound = Bound(field);

        (JsonElement answer, bool isError) = await tools.CallAsync("schedule_job", string.Create(CultureInfo.InvariantCulture,
            $$$"""{"name": "longest", "task": "report", "trigger_type": "interval", "trigger_config": {"{{{field}}}": {{{bound}}}}}"""));

        Assert.False(isError, answer.GetRawText());
    }

    [Fact]
    public async Task ScheduleJob_FieldsEachWithinBoundsButLongerTogether_IsRefusedNamingTheLongestInterval()
    {
        await using var tools = new InProcessTools();

        (JsonElement answer, bool isError) = await tools.CallAsync("schedule_job",
            """{"name": "c9", "task": "report", "trigger_type": "interval", "trigger_config": {"days": 3660, "hours": 87840, "minutes": 5270400, "seconds": 316224000}}""");

        Assert.True(isError, answer.GetRawText());
        Assert.Equal("The interval is 1264896000 s; at most 3660 days are allowed.", answer.GetProperty("error").GetString());
    }

    [Fact]
    public async Task ScheduleJob_AnyIntervalFieldsBeyondTheirBounds_AreRefusedNamingAField_NeverAnInternalError()
    {
        await using var tools = new InProcessTools();
        Gen<(string Field, long Value)> beyond = Gen.OneOfConst("seconds", "minutes", "hours", "days")
            .SelectMany(field => Gen.Long[Bound(field) + 1, long.MaxValue].Select(value => (field, value)));

        await Gen.Select(beyond, beyond.Array[0, 3]).SampleAsync(
            async (first, others) =>
            {
                // One value per field: a repeated key is refused for another reason.
                Dictionary<string, long> fields = new[] { first }.Concat(others).DistinctBy(field => field.Field).ToDictionary(field => field.Field, field => field.Value);
                string config = JsonSerializer.Serialize(fields);

                (JsonElement answer, bool isError) = await tools.CallAsync("schedule_job",
                    $$"""{"name": "c9", "task": "report", "trigger_type": "interval", "trigger_config": {{config}}}""");

                Assert.True(isError, answer.GetRawText());
                string error = answer.GetProperty("error").GetString()!;
                Assert.Contains(fields, field => error == string.Create(CultureInfo.InvariantCulture,
                    $"\"{field.Key}\" is {field.Value}; it must be from 0 to {Bound(field.Key)}; at most 3660 days are allowed."));
            },
            iter: 500,
            threads: 1,
            print: sample => sample.ToString());
        Assert.Empty((await tools.Scheduler.ListJobsAsync(new JobQuery(), TestContext.Current.CancellationToken)).Items);
    }

    /// <summary>The longest interval allowed (3660 days) in the field's unit.</summary>
    private static long Bound(string field) => field switch
    {
        "seconds" => 316_224_000,
        "minutes" => 5_270_400,
        "hours" => 87_840,
        _ => 3660,
    };
}
