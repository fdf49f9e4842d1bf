using System.Net;
using System.Text;

namespace Bottleneck.Reports;

/// <summary>
/// A self-contained HTML document: sections with headings, paragraphs, key/value and data tables, preformatted text and
/// figures whose images are inline <c>data:</c> URIs. No script, no external resource: a Content-Security-Policy of
/// <c>default-src 'none'</c> (images from <c>data:</c>, the inline style) makes a browser refuse any network request.
/// Every figure's <c>img</c> carries the image's pixel size as <c>width</c>/<c>height</c> attributes.
/// </summary>
public sealed class HtmlReport
{
    private readonly StringBuilder _body = new();
    private readonly List<(string Id, string Heading)> _sections = [];
    private bool _open;

    /// <summary>Starts a document.</summary>
    /// <param name="title">The page title and first heading.</param>
    /// <param name="subtitle">A line under the heading (e.g. when and by what it was made), or null.</param>
    public HtmlReport(string title, string? subtitle = null)
    {
        Title = title ?? throw new ArgumentNullException(nameof(title));
        Subtitle = subtitle;
    }

    /// <summary>The page title.</summary>
    public string Title { get; }

    /// <summary>The line under the title, or null.</summary>
    public string? Subtitle { get; }

    /// <summary>Number of figures added so far.</summary>
    public int FigureCount { get; private set; }

    /// <summary>The section ids, in order.</summary>
    public IReadOnlyList<string> SectionIds => _sections.Select(s => s.Id).ToList();

    private static string E(string text) => WebUtility.HtmlEncode(text);

    /// <summary>Begins a section (ends the previous one).</summary>
    /// <param name="id">Anchor id, unique in the document (letters, digits, '-').</param>
    /// <param name="heading">Its heading.</param>
    /// <exception cref="ArgumentException">An id used before or with other characters.</exception>
    public HtmlReport Section(string id, string heading)
    {
        if (string.IsNullOrEmpty(id) || !id.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
            throw new ArgumentException($"section id must be letters, digits and '-', got '{id}'");
        if (_sections.Any(s => s.Id == id)) throw new ArgumentException($"section id '{id}' is used twice");
        EndSection();
        _sections.Add((id, heading));
        _body.Append("<section id=\"").Append(id).Append("\">\n<h2>").Append(E(heading)).Append("</h2>\n");
        _open = true;
        return this;
    }

    private void EndSection()
    {
        if (_open) _body.Append("</section>\n");
        _open = false;
    }

    /// <summary>Adds a paragraph of text (escaped).</summary>
    public HtmlReport Paragraph(string text)
    {
        _body.Append("<p>").Append(E(text)).Append("</p>\n");
        return this;
    }

    /// <summary>Adds a two-column table of names and values.</summary>
    public HtmlReport KeyValues(IEnumerable<(string Name, string Value)> rows)
    {
        _body.Append("<table class=\"kv\">\n");
        foreach (var (name, value) in rows)
            _body.Append("<tr><th scope=\"row\">").Append(E(name)).Append("</th><td>").Append(E(value)).Append("</td></tr>\n");
        _body.Append("</table>\n");
        return this;
    }

    /// <summary>Adds a table with a header row; numbers are right-aligned by the style.</summary>
    /// <param name="header">Column names.</param>
    /// <param name="rows">Rows, each as long as the header.</param>
    /// <exception cref="ArgumentException">A row of another length.</exception>
    public HtmlReport Table(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows)
    {
        _body.Append("<table class=\"data\">\n<thead><tr>");
        foreach (var h in header) _body.Append("<th scope=\"col\">").Append(E(h)).Append("</th>");
        _body.Append("</tr></thead>\n<tbody>\n");
        foreach (var row in rows)
        {
            if (row.Count != header.Count) throw new ArgumentException($"a table row has {row.Count} cells, the header {header.Count}");
            _body.Append("<tr>");
            foreach (var cell in row) _body.Append("<td>").Append(E(cell)).Append("</td>");
            _body.Append("</tr>\n");
        }
        _body.Append("</tbody>\n</table>\n");
        return this;
    }

    /// <summary>Adds preformatted text (e.g. a config as JSON).</summary>
    public HtmlReport Preformatted(string text)
    {
        _body.Append("<pre>").Append(E(text)).Append("</pre>\n");
        return this;
    }

    /// <summary>Adds preformatted text folded under a one-line summary (an HTML <c>details</c> element: opens on a click, no script).</summary>
    /// <param name="summary">The line shown while folded.</param>
    /// <param name="text">The preformatted text.</param>
    public HtmlReport Folded(string summary, string text)
    {
        _body.Append("<details><summary>").Append(E(summary)).Append("</summary>\n<pre>").Append(E(text)).Append("</pre></details>\n");
        return this;
    }

    /// <summary>Adds a figure from PNG bytes of <paramref name="width"/> × <paramref name="height"/> pixels, inline as a data: URI.</summary>
    /// <param name="png">The PNG file's bytes.</param>
    /// <param name="width">Its width in pixels.</param>
    /// <param name="height">Its height in pixels.</param>
    /// <param name="alt">Alternative text.</param>
    /// <param name="caption">Caption under the image.</param>
    /// <exception cref="ArgumentException">The bytes are not a PNG.</exception>
    public HtmlReport Figure(byte[] png, int width, int height, string alt, string caption)
    {
        ArgumentNullException.ThrowIfNull(png);
        if (png.Length < 8 || png[0] != 0x89 || png[1] != (byte)'P' || png[2] != (byte)'N' || png[3] != (byte)'G')
            throw new ArgumentException("a figure must be PNG bytes");
        FigureCount++;
        _body.Append("<figure>\n<img src=\"data:image/png;base64,").Append(Convert.ToBase64String(png))
             .Append("\" width=\"").Append(width).Append("\" height=\"").Append(height)
             .Append("\" alt=\"").Append(E(alt)).Append("\">\n<figcaption>").Append(E(caption)).Append("</figcaption>\n</figure>\n");
        return this;
    }

    /// <summary>The complete document: head with the policy and the style, a table of contents, the sections.</summary>
    public string ToHtml()
    {
        EndSection();
        var html = new StringBuilder(_body.Length + 4096);
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; style-src 'unsafe-inline'\">\n")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
            .Append("<title>").Append(E(Title)).Append("</title>\n<style>\n").Append(Style).Append("</style>\n</head>\n<body>\n")
            .Append("<header><h1>").Append(E(Title)).Append("</h1>\n");
        if (Subtitle != null) html.Append("<p class=\"sub\">").Append(E(Subtitle)).Append("</p>\n");
        html.Append("<nav><ul>");
        foreach (var (id, heading) in _sections) html.Append("<li><a href=\"#").Append(id).Append("\">").Append(E(heading)).Append("</a></li>");
        html.Append("</ul></nav>\n</header>\n<main>\n").Append(_body).Append("</main>\n</body>\n</html>\n");
        return html.ToString();
    }

    private const string Style = """
        body { font-family: "DejaVu Sans", "Liberation Sans", Arial, Helvetica, sans-serif; margin: 0 auto; max-width: 1100px; padding: 1em 2em; color: #222; }
        h1 { margin-bottom: 0.2em; } .sub { color: #666; margin-top: 0; }
        nav ul { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: 1em; }
        section { border-top: 1px solid #ddd; margin-top: 1.5em; }
        table { border-collapse: collapse; margin: 0.5em 0; }
        th, td { border: 1px solid #ddd; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
        table.data td { text-align: right; font-variant-numeric: tabular-nums; } table.data td:first-child { text-align: left; }
        table.kv th { background: #f6f6f6; font-weight: normal; }
        pre { background: #f6f6f6; padding: 0.6em; overflow-x: auto; font-size: 0.85em; }
        figure { margin: 1em 0; } figure img { max-width: 100%; height: auto; border: 1px solid #eee; image-rendering: pixelated; }
        figcaption { color: #555; font-size: 0.9em; }
        details { margin: 0.5em 0; } summary { cursor: pointer; }

        """;
}
