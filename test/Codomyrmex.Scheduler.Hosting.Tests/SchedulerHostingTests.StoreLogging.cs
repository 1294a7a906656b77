using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Codomyrmex.Scheduler.Hosting.Tests;

public sealed class SchedulerHostingStoreLoggingTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("memory")]
    [InlineData("sqlite")]
    public async Task BuiltInStore_AChangedHandlerThatThrows_IsLoggedThroughTheHost_AndTheChangeStands(string kind)
    {
        string folder = Directory.CreateTempSubdirectory("hosting-store-log-").FullName;
        try
        {
            var clock = new FakeTimeProvider(TestHost.Start);
            var logs = new LogSink();
            string store = kind == "memory" ? "memory" : "sqlite:" + Path.Combine(folder, "jobs.db");
            using IHost host = TestHost.Build(clock, new Dictionary<string, string?> { ["Scheduler:Store"] = store },
                scheduler => scheduler.AddTask("work", TestHost.NoOp),
                services => services.AddLogging(logging => logging.AddProvider(logs)));
            await host.StartAsync(Token);
            Scheduler scheduler = host.Services.GetRequiredService<Scheduler>();
            scheduler.Store.Changed += (_, _) => throw new InvalidOperationException("subscriber broke");

            string id = await scheduler.ScheduleAsync(task: "work", trigger: Triggers.Every(minutes: 5), cancellationToken: Token);

            Assert.NotNull(await scheduler.GetJobAsync(id, Token));
            Assert.Contains(logs.Entries, entry => entry.Category == "Codomyrmex.Scheduler.Storage" && entry.Exception?.Message == "subscriber broke");
            await host.StopAsync(Token);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>Keeps every log entry of every category.</summary>
    private sealed class LogSink : ILoggerProvider
    {
        public ConcurrentQueue<(string Category, Exception? Exception)> Entries { get; } = new();

        public ILogger CreateLogger(string categoryName) => new SinkLogger(this, categoryName);

        public void Dispose()
        {
        }

        private sealed class SinkLogger(LogSink sink, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                sink.Entries.Enqueue((category, exception));
        }
    }
}
