using System.Security.Cryptography;
using Codomyrmex.Scheduler.Cli.Commands;
using Codomyrmex.Scheduler.Sqlite;

namespace Codomyrmex.Scheduler.Cli.Tests;

/// <summary>
/// The <c>--store</c> text, read by one parser, and hostile stores given to the real schedctl: each is one clear line on
/// stderr and exit code 1, and no byte of a store changes under a command that failed or only reads.
/// </summary>
public sealed class StoreOptionTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData("jobs.db", "jobs.db")]
    [InlineData("./sub/x.db", "sub/x.db")]
    [InlineData("sqlite:jobs.db", "jobs.db")]
    [InlineData("SQLite:./a b.db", "a b.db")]
    [InlineData("x:y.db", "x:y.db")]
    [InlineData("./mysql:x.db", "mysql:x.db")]
    [InlineData("sqlite", "schedctl.db")]
    public void Parse_APathOrSqlitePath_IsTheFullPathOfTheFile(string text, string relative) =>
        Assert.Equal(Path.GetFullPath(relative), StoreOption.Parse(text));

    [Fact]
    public void Parse_AnAbsolutePath_IsThatPath() =>
        Assert.Equal(_folder["state.db"], StoreOption.Parse(_folder["state.db"]));

    [Theory]
    [InlineData("memory")]
    [InlineData("MEMORY")]
    public void Parse_Memory_IsNull(string text) => Assert.Null(StoreOption.Parse(text));

    [Theory]
    [InlineData("", "The store is empty")]
    [InlineData("   ", "The store is empty")]
    [InlineData("sqlite:", "no path after sqlite:")]
    [InlineData("postgres:Host=db", "is a PostgreSQL database, not a file")]
    [InlineData("postgresql://db", "is a PostgreSQL database, not a file")]
    [InlineData("mysql:jobs", "unknown scheme 'mysql:'")]
    [InlineData("http://example.com/jobs.db", "unknown scheme 'http:'")]
    [InlineData("sqlite:\0.db", "is not a usable path")]
    [InlineData("memory:x", "Store memory: takes nothing after it")]
    [InlineData("postgres:", "has no connection string")]
    public void Parse_AnUnknownOrIncompleteStore_ArgumentExceptionNamingIt(string text, string expected)
    {
        var error = Assert.Throws<ArgumentException>(() => StoreOption.Parse(text));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_PostgresConnectionString_IsNotEchoed()
    {
        var error = Assert.Throws<ArgumentException>(() => StoreOption.Parse("postgres:Host=db;Password=hunter2"));

        Assert.Equal("Store postgres:... is a PostgreSQL database, not a file.", error.Message);
    }

    public static TheoryData<string, string, string> HostileStores() => new()
    {
        { "unknown scheme", "mysql:jobs", "unknown scheme 'mysql:'" },
        { "memory", "memory", "the memory store keeps nothing" },
        { "missing file", "{folder}/missing.db", "no store at" },
        { "a folder", "{folder}", "no store at" },
        { "empty file", "{folder}/empty.db", "is not a job store yet" },
        { "text file", "{folder}/text.db", "is not a SQLite database" },
        { "garbage", "{folder}/garbage.db", "is not a SQLite database" },
    };

    [Theory]
    [MemberData(nameof(HostileStores))]
    public async Task JobsList_HostileStore_OneLineExit1_AndNoByteChanged(string name, string store, string expected)
    {
        _ = name;
        File.WriteAllBytes(_folder["empty.db"], []);
        File.WriteAllText(_folder["text.db"], "name,schedule\nbackup,@daily\n");
        byte[] garbage = new byte[8192];
        new Random(3).NextBytes(garbage);
        File.WriteAllBytes(_folder["garbage.db"], garbage);
        string before = Snapshot();

        foreach (string command in new[] { "list", "history" })
        {
            string[] args = command == "list" ? ["jobs", "list", "--store", store.Replace("{folder}", _folder.Path, StringComparison.Ordinal)]
                : ["jobs", "history", "some-job", "--store", store.Replace("{folder}", _folder.Path, StringComparison.Ordinal)];
            Schedctl.Result result = await Schedctl.RunAsync(args);
            Assert.True(result.ExitCode == 1, result.ToString());
            Assert.Contains(expected, result.Error, StringComparison.Ordinal);
            Assert.StartsWith("schedctl: ", result.Error, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", result.Error, StringComparison.Ordinal);
        }

        Assert.Equal(before, Snapshot());
    }

    [Fact]
    public async Task JobsList_ABarePathToAReadOnlyStore_ListsItsJobs_AndChangesNoByte()
    {
        string path = _folder["state.db"];
        using (var store = new SqliteJobStore(new SqliteJobStoreOptions { Path = path, PollInterval = Timeout.InfiniteTimeSpan }))
        {
            var now = new DateTimeOffset(2026, 11, 23, 0, 0, 0, TimeSpan.Zero);
            await store.AddAsync(new Job { Id = "0000000000001", Name = "backup", Task = "backup", CreatedAt = now, NextRun = now }, TestContext.Current.CancellationToken);
        }

        if (!OperatingSystem.IsWindows())
        {
            // Root may write it anyway: the bytes are compared below, whoever runs the test.
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        }

        string before = Snapshot();
        Schedctl.Result result = await Schedctl.RunAsync("jobs", "list", "--store", path);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains(result.Lines, l => l.StartsWith("backup ", StringComparison.Ordinal));
        Assert.Equal(before, Snapshot());
        Assert.False(File.Exists(path + ".lock"));
    }

    /// <summary>The names and hashes of the folder's files (the -wal and -shm files a reader may leave are shared state, not the store).</summary>
    private string Snapshot() => string.Join("\n", Directory.GetFiles(_folder.Path)
        .Where(f => !f.EndsWith("-wal", StringComparison.Ordinal) && !f.EndsWith("-shm", StringComparison.Ordinal))
        .Order(StringComparer.Ordinal)
        .Select(f => $"{Path.GetFileName(f)} {Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f)))}"));
}
