using Bottleneck.IO;
using Bottleneck.Reports;

namespace Bottleneck.Tests.Reports;

public class HtmlReportTests
{
    private static readonly byte[] Png = PngWriter.EncodeGray(new byte[] { 0, 255, 128, 64 }, 2, 2);

    [Fact]
    public void GivenSectionsTablesAndAFigure_TheDocumentIsSelfContainedAndEscaped()
    {
        var report = new HtmlReport("A <b> title", "made & tested");
        report.Section("one", "First").Paragraph("x < y & z").KeyValues([("k", "<v>")]).Table(["a", "b"], [["1", "2"]]);
        report.Section("two", "Second").Figure(Png, 2, 2, "tiny \"image\"", "caption").Folded("config", "{\"a\": 1}");

        string html = report.ToHtml();

        Assert.StartsWith("<!DOCTYPE html>", html);
        Assert.Contains("content=\"default-src 'none'; img-src data:; style-src 'unsafe-inline'\"", html);
        Assert.Contains("<title>A &lt;b&gt; title</title>", html);
        Assert.Contains("x &lt; y &amp; z", html);
        Assert.Contains("<td>&lt;v&gt;</td>", html);
        Assert.Contains($"src=\"data:image/png;base64,{Convert.ToBase64String(Png)}\" width=\"2\" height=\"2\" alt=\"tiny &quot;image&quot;\"", html);
        Assert.Contains("<details><summary>config</summary>", html);
        Assert.Contains("<a href=\"#two\">Second</a>", html);
        Assert.DoesNotContain("<script", html);
        Assert.DoesNotContain("http://", html);
        Assert.DoesNotContain("https://", html);
        Assert.Equal(1, report.FigureCount);
        Assert.Equal(["one", "two"], report.SectionIds);
        Assert.Equal(2, html.Split("</section>").Length - 1);
    }

    [Fact]
    public void GivenMistakes_TheBuilderRefusesThem()
    {
        var report = new HtmlReport("t");
        report.Section("a", "A");
        Assert.Throws<ArgumentException>(() => report.Section("a", "again"));
        Assert.Throws<ArgumentException>(() => report.Section("bad id", "B"));
        Assert.Throws<ArgumentException>(() => report.Figure([1, 2, 3, 4, 5, 6, 7, 8], 1, 1, "x", "not a png"));
        Assert.Throws<ArgumentException>(() => report.Table(["a", "b"], [["1"]]));
    }
}
