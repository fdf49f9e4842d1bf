using System.Text.Json;
using Bottleneck.Anomaly;
using Bottleneck.Cli.Services;
using Bottleneck.Reports;
using Bottleneck.Tests.Cli;
using Bottleneck.Tests.Data;
using Microsoft.Playwright;

namespace Bottleneck.Tests.Reports;

/// <summary>
/// Renders a real report in headless Chromium (Debian's package at /usr/bin/chromium, driven by Playwright): no console error,
/// no request that is not the file itself or a data: URI, and every figure a decoded, non-blank image of its stated size.
/// Skipped when Chromium is not installed (.ci/run installs it).
/// </summary>
[Collection(ReportModelsCollection.Name)]
public class ReportBrowserTests(ReportModelsFixture f)
{
    /// <summary>The browser the test drives; BOTTLENECK_CHROMIUM overrides it.</summary>
    private static string Chromium => Environment.GetEnvironmentVariable("BOTTLENECK_CHROMIUM") is { Length: > 0 } p ? p : "/usr/bin/chromium";

    [SkippableFact]
    public async Task GivenAReportWithEverySection_ChromiumShowsEveryFigureWithoutErrorsOrNetworkRequests()
    {
        Skip.IfNot(File.Exists(Chromium), $"{Chromium} is not installed (apt-get install chromium); the report is not checked in a browser");
        Assert.True(f.VaeOutput.StartsWith("exit 0"), f.VaeOutput);
        // Given a report with every section: a VAE's, with anomaly scores (ring glyphs as the anomalies) and a fitted threshold
        var m = ModelData.Load(f.Vae, "demo:300");
        var detector = AnomalyDetector.FromSaved(m.Saved);
        var scores = detector.Score(m.Scaled);
        var threshold = detector.FitThreshold(Threshold.Parse("p90"), m.Scaled, fittedOn: "the report's data");
        var labels = m.Raw.Labels!.Select(l => l == 0 ? 1 : 0).ToArray();
        var inputs = new ReportInputs(m.Saved, m.Raw, m.Scaled, "demo:300") { Scores = new ReportScores(scores, labels, threshold, "squared error per sample") };
        var document = ModelReport.BuildDocument(inputs);
        using var dir = new TempDir();
        string path = dir.Write("report.html", document.ToHtml());
        Assert.Equal(["model", "data", "history", "metrics", "reconstructions", "latent", "detector", "generative"], document.SectionIds);

        // When Chromium opens it
        var (images, problems) = await Open(path);

        // Then every figure is decoded at its stated size, shown and not blank, and nothing went wrong or to the network
        Assert.Equal(document.FigureCount, images.Count);
        Assert.True(images.Count >= 9, $"{images.Count} figures");
        foreach (var img in images)
        {
            string alt = img.GetProperty("alt").GetString()!;
            Assert.True(img.GetProperty("complete").GetBoolean(), alt + ": not loaded");
            Assert.True(img.GetProperty("naturalWidth").GetInt32() == img.GetProperty("width").GetInt32()
                        && img.GetProperty("naturalHeight").GetInt32() == img.GetProperty("height").GetInt32(),
                $"{alt}: decoded {img.GetProperty("naturalWidth")}x{img.GetProperty("naturalHeight")}, stated {img.GetProperty("width")}x{img.GetProperty("height")}");
            int pixels = img.GetProperty("naturalWidth").GetInt32() * img.GetProperty("naturalHeight").GetInt32();
            Assert.True(img.GetProperty("differing").GetInt32() >= pixels / 100, $"{alt}: blank ({img.GetProperty("differing")} of {pixels} pixels differ from the corner)");
            Assert.True(img.GetProperty("shown").GetBoolean(), alt + ": not laid out");
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [SkippableFact]
    public async Task GivenAPageThatReachesForTheNetwork_TheCheckReportsIt()
    {
        Skip.IfNot(File.Exists(Chromium), $"{Chromium} is not installed");
        using var dir = new TempDir();
        string path = dir.Write("bad.html", "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>t</title></head><body>" +
            "<img src=\"http://127.0.0.1:9/x.png\" width=\"10\" height=\"10\" alt=\"remote\"><script>console.error('boom')</script></body></html>");
        var (_, problems) = await Open(path);
        Assert.Contains(problems, p => p.Contains("127.0.0.1:9"));
        Assert.Contains(problems, p => p.Contains("boom"));
    }

    /// <summary>Opens <paramref name="path"/> in headless Chromium; returns what each img shows and every console error or warning,
    /// page error and request other than the file itself and data: URIs.</summary>
    private static async Task<(List<JsonElement> Images, List<string> Problems)> Open(string path)
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu"],
        });
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1200, Height = 900 } });
        var problems = new List<string>();
        page.Console += (_, msg) => { if (msg.Type is "error" or "warning") problems.Add($"console {msg.Type}: {msg.Text}"); };
        page.PageError += (_, error) => problems.Add("page error: " + error);
        page.RequestFailed += (_, request) => { if (!request.Url.StartsWith("data:", StringComparison.Ordinal)) problems.Add("failed request: " + request.Url); };
        var pageUri = new Uri(path).AbsoluteUri;
        page.Request += (_, request) =>
        {
            if (request.Url != pageUri && !request.Url.StartsWith("data:", StringComparison.Ordinal)) problems.Add("request: " + request.Url);
        };
        var response = await page.GotoAsync(pageUri, new PageGotoOptions { WaitUntil = WaitUntilState.Load });
        Assert.NotNull(response);
        string json = await page.EvaluateAsync<string>("""
            () => JSON.stringify([...document.images].map(img => {
                const c = document.createElement('canvas');
                c.width = img.naturalWidth; c.height = img.naturalHeight;
                const g = c.getContext('2d');
                g.drawImage(img, 0, 0);
                const d = c.width && c.height ? g.getImageData(0, 0, c.width, c.height).data : [];
                let differing = 0;
                for (let i = 0; i < d.length; i += 4)
                    if (d[i] !== d[0] || d[i + 1] !== d[1] || d[i + 2] !== d[2]) differing++;
                const box = img.getBoundingClientRect();
                return { alt: img.alt, complete: img.complete, naturalWidth: img.naturalWidth, naturalHeight: img.naturalHeight,
                         width: +img.getAttribute('width'), height: +img.getAttribute('height'), differing, shown: box.width > 0 && box.height > 0 };
            }))
            """);

        return (JsonDocument.Parse(json).RootElement.EnumerateArray().ToList(), problems);
    }
}
