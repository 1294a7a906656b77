using Microsoft.Playwright;

namespace Codomyrmex.Scheduler.Dashboard.Tests.Browser;

/// <summary>
/// Debian's headless Chromium (/usr/bin/chromium, installed by .ci/run), driven by Playwright; never a browser Playwright
/// downloads. Where it is missing, the browser tests skip and say why.
/// </summary>
public sealed class ChromiumFixture : IAsyncLifetime
{
    public const string Executable = "/usr/bin/chromium";

    private IPlaywright? _playwright;

    public IBrowser? Browser { get; private set; }

    /// <summary>Where the tests save their screenshots of the main views.</summary>
    public static string Screenshots { get; } = Path.Combine(AppContext.BaseDirectory, "screenshots");

    public async ValueTask InitializeAsync()
    {
        if (!File.Exists(Executable))
        {
            return;
        }

        Directory.CreateDirectory(Screenshots);
        Assertions.SetDefaultExpectTimeout(15_000);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Executable,
            Headless = true,
            Args = ["--headless=new", "--no-sandbox"],
        });
    }

    /// <summary>A fresh browser context (its own cookies) in UTC and US English, so screenshots and local times are the same everywhere.</summary>
    public async Task<IPage> NewPageAsync()
    {
        Assert.SkipWhen(Browser is null, $"Chromium is not installed at {Executable}: apt-get install chromium (.ci/run does) to run the browser tests.");
        IBrowserContext context = await Browser!.NewContextAsync(new BrowserNewContextOptions
        {
            TimezoneId = "UTC",
            Locale = "en-US",
            ViewportSize = new ViewportSize { Width = 1360, Height = 860 },
            ColorScheme = ColorScheme.Light,
        });
        return await context.NewPageAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
    }
}
