using PuppeteerSharp;

namespace Bus.IntegrationTests.Dashboard;

/// <summary>
/// The Gateway's dashboard in headless Debian Chromium (installed by scripts/infra; never a downloaded browser), one
/// fresh profile per test. Page errors are collected and fail the test; screenshots go to TestResults/dashboard.
/// </summary>
public sealed class DashboardBrowser : IAsyncDisposable
{
    public const string ChromiumPath = "/usr/bin/chromium";
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private readonly IBrowser _browser;
    private readonly string _profile;
    private readonly List<string> _pageErrors = [];

    private DashboardBrowser(IBrowser browser, IPage page, string profile, Uri gateway)
    {
        _browser = browser;
        Page = page;
        _profile = profile;
        Gateway = gateway;
    }

    public IPage Page { get; }

    public Uri Gateway { get; }

    public static async Task<DashboardBrowser> OpenAsync(Uri gateway, int width = 1280, int height = 900)
    {
        var executable = Environment.GetEnvironmentVariable("BUS_CHROMIUM") is { Length: > 0 } configured ? configured : ChromiumPath;
        if (!File.Exists(executable))
            throw new InvalidOperationException(
                $"Chromium is not installed at {executable}: the dashboard tests need it. Run scripts/infra (it installs the Debian package chromium) or apt-get install chromium.");
        var profile = Directory.CreateTempSubdirectory("bus-dashboard-chromium-").FullName;
        var browser = await Puppeteer.LaunchAsync(new LaunchOptions
        {
            ExecutablePath = executable,
            Headless = true,
            UserDataDir = profile,
            Timeout = (int)Timeout.TotalMilliseconds,
            Args =
            [
                "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
            ],
        });
        var page = await browser.NewPageAsync();
        page.DefaultTimeout = (int)Timeout.TotalMilliseconds;
        await page.SetViewportAsync(new ViewPortOptions { Width = width, Height = height });
        var dashboard = new DashboardBrowser(browser, page, profile, gateway);
        page.PageError += (_, e) => { lock (dashboard._pageErrors) dashboard._pageErrors.Add(e.Message); };
        // The dashboard confirms destructive actions with window.confirm: the test answers yes.
        page.Dialog += async (_, e) => await e.Dialog.Accept();
        return dashboard;
    }

    public async Task GoAsync(string hash = "")
    {
        await Page.GoToAsync(new Uri(Gateway, "/dashboard/" + hash).ToString(), WaitUntilNavigation.Load);
    }

    /// <summary>Signs in with a name and password and waits for the overview with live updates connected.</summary>
    public async Task SignInAsync(string user, string password)
    {
        await GoAsync();
        await Page.WaitForSelectorAsync("#sign-in-form");
        await Page.TypeAsync("#username", user);
        await Page.TypeAsync("#password", password);
        await Page.ClickAsync("#sign-in-form button[type=submit]");
        await Page.WaitForSelectorAsync("article[data-queue]");
        await WaitAsync("document.getElementById('live').dataset.state === 'on'", "live updates connected");
    }

    /// <summary>Navigates inside the app (the hash), as a click on a link would: no reload.</summary>
    public Task NavigateAsync(string hash) => Page.EvaluateExpressionAsync($"location.hash = {System.Text.Json.JsonSerializer.Serialize(hash)}");

    /// <summary>Polls a JavaScript condition; a timeout names it and shows what the page holds.</summary>
    public async Task WaitAsync(string condition, string what)
    {
        try
        {
            await Page.WaitForFunctionAsync($"() => {{ try {{ return !!({condition}); }} catch {{ return false; }} }}",
                new WaitForFunctionOptions { Timeout = (int)Timeout.TotalMilliseconds, PollingInterval = 100 });
        }
        catch (WaitTaskTimeoutException)
        {
            var text = await Page.EvaluateExpressionAsync<string>("document.querySelector('main')?.innerText ?? ''");
            var shot = await ScreenshotAsync($"timeout-{Guid.NewGuid():N}"[..16]);
            throw new TimeoutException($"waited {Timeout.TotalSeconds} s for {what} ({condition}); page errors: [{string.Join("; ", PageErrors)}]; screenshot {shot}; page text:\n{text}");
        }
    }

    public async Task<T> EvaluateAsync<T>(string expression) => await Page.EvaluateExpressionAsync<T>(expression);

    public IReadOnlyList<string> PageErrors
    {
        get { lock (_pageErrors) return [.. _pageErrors]; }
    }

    /// <summary>A full-page PNG under TestResults/dashboard (kept as a CI artifact); returns its path.</summary>
    public async Task<string> ScreenshotAsync(string name)
    {
        var directory = Path.Combine(ResultsDirectory(), "dashboard");
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, $"{name}.png");
        await Page.ScreenshotAsync(path, new ScreenshotOptions { FullPage = true });
        return path;
    }

    /// <summary>The repository's TestResults (what scripts/test keeps), found from the test assembly's folder.</summary>
    private static string ResultsDirectory()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Bus.sln")))
                return Path.Combine(directory.FullName, "TestResults");
        }
        return Path.Combine(AppContext.BaseDirectory, "TestResults");
    }

    public async ValueTask DisposeAsync()
    {
        await _browser.CloseAsync();
        await _browser.DisposeAsync();
        try
        {
            Directory.Delete(_profile, recursive: true);
        }
        catch (IOException)
        {
            // Chromium may still hold a lock file for a moment; the temp folder is cleaned by the system.
        }
    }
}
