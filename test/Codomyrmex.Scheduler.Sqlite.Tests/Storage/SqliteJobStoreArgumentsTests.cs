using System.Text.Json.Nodes;

namespace Codomyrmex.Scheduler.Sqlite.Tests;

/// <summary>Deeply nested arguments: kept and read back up to the depth a store can read, refused beyond it before anything is stored.</summary>
public sealed class SqliteJobStoreArgumentsTests : IDisposable
{
    private readonly TempFolder _folder = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>An <c>args</c> array whose arrays nest <paramref name="depth"/> levels deep, the outer array included.</summary>
    private static JsonArray NestedArgs(int depth)
    {
        var args = new JsonArray();
        JsonArray innermost = args;
        for (int level = 1; level < depth; level++)
        {
            var inner = new JsonArray();
            innermost.Add(inner);
            innermost = inner;
        }

        innermost.Add("bottom");
        return args;
    }

    /// <summary>A <c>kwargs</c> object whose objects nest <paramref name="depth"/> levels deep, the outer object included.</summary>
    private static JsonObject NestedKwargs(int depth)
    {
        var kwargs = new JsonObject();
        JsonObject innermost = kwargs;
        for (int level = 1; level < depth; level++)
        {
            var inner = new JsonObject();
            innermost["next"] = inner;
            innermost = inner;
        }

        innermost["value"] = "bottom";
        return kwargs;
    }

    private static Scheduler NewScheduler(SqliteJobStore store)
    {
        var scheduler = new Scheduler(new SchedulerOptions { Store = store });
        scheduler.RegisterTask("work", (JobContext _, CancellationToken _) => Task.FromResult<object?>(null));
        return scheduler;
    }

    [Fact]
    public async Task Schedule_ArgumentsAtTheDeepestLevel_AreKept_AndReadBackByAnotherStore()
    {
        string path = _folder.NewPath();
        JsonArray args = NestedArgs(JsonArgumentsDepth);
        JsonObject kwargs = NestedKwargs(JsonArgumentsDepth);
        string id;
        using (var writer = new SqliteJobStore(path))
        {
            await using Scheduler scheduler = NewScheduler(writer);
            id = scheduler.Schedule("work", Triggers.Every(hours: 1), args, kwargs);
        }

        using var reader = new SqliteJobStore(path);
        Job job = (await reader.GetAsync(id, Ct))!;
        Assert.True(JsonNode.DeepEquals(args, new JsonArray([.. job.Args.Select(a => ((JsonNode?)a)?.DeepClone())])));
        Assert.True(JsonNode.DeepEquals(kwargs, new JsonObject(job.Kwargs.Select(p => KeyValuePair.Create(p.Key, ((JsonNode?)p.Value)?.DeepClone())))));
    }

    [Theory]
    [InlineData(JsonArgumentsDepth + 1)]
    [InlineData(1_000)]
    [InlineData(5_000)] // deeper still costs System.Text.Json quadratic time to build, not us to refuse
    public async Task Schedule_ArgumentsNestedTooDeep_AreRefusedNamingThem_AndNothingIsStored(int depth)
    {
        using var store = new SqliteJobStore(_folder.NewPath());
        await using Scheduler scheduler = NewScheduler(store);

        ArgumentException args = Assert.Throws<ArgumentException>(() => scheduler.Schedule("work", Triggers.Every(hours: 1), args: NestedArgs(depth)));
        ArgumentException kwargs = Assert.Throws<ArgumentException>(() => scheduler.Schedule("work", Triggers.Every(hours: 1), kwargs: NestedKwargs(depth)));
        ArgumentException reconcile = await Assert.ThrowsAsync<ArgumentException>(() => scheduler.ReconcileAsync("file",
            [new JobDefinition { Name = "deep", Task = "work", Trigger = Triggers.Every(hours: 1), Args = NestedArgs(depth) }], Ct));

        Assert.Equal("args", args.ParamName);
        Assert.Contains("more than 64 levels deep", args.Message, StringComparison.Ordinal);
        Assert.Equal("kwargs", kwargs.ParamName);
        Assert.Contains("Job 'deep': Its args nest arrays and objects more than 64 levels deep", reconcile.Message, StringComparison.Ordinal);
        Assert.Empty(scheduler.ListJobs());
    }

    /// <summary>The deepest arguments may nest: the depth System.Text.Json reads by default.</summary>
    private const int JsonArgumentsDepth = 64;

    public void Dispose() => _folder.Dispose();
}
