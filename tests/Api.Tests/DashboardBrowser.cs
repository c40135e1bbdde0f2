using System.Drawing;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;

namespace Kdumpd.Api.Tests;

/// <summary>
/// Debian's chromium, headless, driven through Debian's chromedriver. Both paths are given, so
/// Selenium Manager (which would download a browser) never runs; SE_OFFLINE forbids it anyway.
/// When either is missing the calling test is skipped, and says why.
/// </summary>
public sealed class DashboardBrowser : IDisposable
{
    public const string ChromiumPath = "/usr/bin/chromium";
    public const string ChromedriverPath = "/usr/bin/chromedriver";
    public static readonly Size Desktop = new(1280, 800);
    public static readonly Size Phone = new(390, 844);

    private readonly Uri _baseAddress;

    private DashboardBrowser(ChromeDriver driver, Uri baseAddress)
    {
        Driver = driver;
        _baseAddress = baseAddress;
    }

    public ChromeDriver Driver { get; }

    public static string ScreenshotDir => Path.Join(DaemonFixture.RepoRoot(), "artifacts", "screenshots");

    public static DashboardBrowser StartOrSkip(Uri baseAddress, Size? window = null)
    {
        if (!File.Exists(ChromiumPath) || !File.Exists(ChromedriverPath))
        {
            Assert.Skip($"browser test skipped: {ChromiumPath} or {ChromedriverPath} is missing (apt-get install chromium chromium-driver; deploy/install-deps.sh does)");
        }

        Environment.SetEnvironmentVariable("SE_OFFLINE", "true");
        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(ChromedriverPath)!, Path.GetFileName(ChromedriverPath));
        service.HideCommandPromptWindow = true;
        service.SuppressInitialDiagnosticInformation = true;
        var options = new ChromeOptions { BinaryLocation = ChromiumPath };
        var size = window ?? Desktop;
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--hide-scrollbars", "--force-device-scale-factor=1", $"--window-size={size.Width},{size.Height}");
        options.SetLoggingPreference(LogType.Browser, LogLevel.All);
        var driver = new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
        return new DashboardBrowser(driver, baseAddress);
    }

    /// <summary>Opens the dashboard at a hash route and waits until that page has rendered.</summary>
    public void Open(string route, string page)
    {
        Driver.Navigate().GoToUrl(new Uri(_baseAddress, "/" + route));
        WaitForPage(page);
    }

    public void WaitForPage(string page) =>
        WaitUntil(() => (string?)Driver.ExecuteScript("return document.body.dataset.page") == page,
            $"page '{page}' (now '{Driver.ExecuteScript("return document.body.dataset.page")}', text: {Text(200)})");

    public void SignIn(string token)
    {
        Driver.Navigate().GoToUrl(_baseAddress);
        WaitForPage("sign-in");
        Driver.FindElement(By.Id("token")).SendKeys(token);
        Driver.FindElement(By.Id("sign-in-button")).Click();
        WaitForPage("host");
    }

    public static void WaitUntil(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"waited 20 s for {what}");
            }

            Thread.Sleep(50);
        }
    }

    public IReadOnlyCollection<IWebElement> All(string css) => Driver.FindElements(By.CssSelector(css));

    public string Text(int max = int.MaxValue)
    {
        var text = Driver.FindElement(By.TagName("body")).Text;
        return text.Length > max ? text[..max] : text;
    }

    /// <summary>The whole page (the window grown to the document's height), as artifacts/screenshots/NAME.png.</summary>
    public string Screenshot(string name)
    {
        var window = Driver.Manage().Window;
        var size = window.Size;
        var height = Convert.ToInt32(Driver.ExecuteScript("return document.documentElement.scrollHeight"), System.Globalization.CultureInfo.InvariantCulture);
        window.Size = new Size(size.Width, Math.Max(size.Height, height + (size.Height - ViewportHeight())));
        Directory.CreateDirectory(ScreenshotDir);
        var path = Path.Join(ScreenshotDir, name + ".png");
        Driver.GetScreenshot().SaveAsFile(path);
        window.Size = size;
        return path;
    }

    /// <summary>Script errors and CSP violations the page logged.</summary>
    public IReadOnlyList<string> SevereLogs() =>
        [.. Driver.Manage().Logs.GetLog(LogType.Browser).Where(l => l.Level >= LogLevel.Warning).Select(l => l.Message)];

    private int ViewportHeight() =>
        Convert.ToInt32(Driver.ExecuteScript("return window.innerHeight"), System.Globalization.CultureInfo.InvariantCulture);

    public void Dispose()
    {
        Driver.Quit();
        Driver.Dispose();
    }
}
