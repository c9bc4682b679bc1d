using System.Net;
using System.Text;

namespace AlertHub.Infrastructure;

/// <summary>The printable documents (the evaluation export, the drill report): a small Markdown as simple HTML.</summary>
internal static class Printable
{
    /// <summary>A printable page: the Markdown's structure as simple HTML, every text HTML-encoded.</summary>
    public static string Html(string title, string markdown)
    {
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html><html lang=\"nl\"><head><meta charset=\"utf-8\"><title>").Append(WebUtility.HtmlEncode(title))
            .Append("</title><style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}")
            .Append("table{border-collapse:collapse;width:100%;margin:.5rem 0}td,th{border:1px solid #999;padding:.3rem .5rem;text-align:left}")
            .Append("h2{border-top:2px solid #333;padding-top:1rem;page-break-before:auto}@media print{h2{page-break-before:always}}</style></head><body>");
        var inTable = false;
        foreach (var raw in markdown.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.StartsWith('|'))
            {
                if (line.StartsWith("|---", StringComparison.Ordinal))
                {
                    continue;
                }
                var cells = line.Trim('|').Split('|').Select(c => WebUtility.HtmlEncode(c.Trim()));
                html.Append(inTable ? "<tr><td>" + string.Join("</td><td>", cells) + "</td></tr>" : "<table><tr><th>" + string.Join("</th><th>", cells) + "</th></tr>");
                inTable = true;
                continue;
            }
            if (inTable)
            {
                html.Append("</table>");
                inTable = false;
            }
            if (line.StartsWith("### ", StringComparison.Ordinal)) html.Append("<h3>").Append(WebUtility.HtmlEncode(line[4..])).Append("</h3>");
            else if (line.StartsWith("## ", StringComparison.Ordinal)) html.Append("<h2>").Append(WebUtility.HtmlEncode(line[3..])).Append("</h2>");
            else if (line.StartsWith("# ", StringComparison.Ordinal)) html.Append("<h1>").Append(WebUtility.HtmlEncode(line[2..])).Append("</h1>");
            else if (line.Length > 0) html.Append("<p>").Append(WebUtility.HtmlEncode(line.Trim('_'))).Append("</p>");
        }
        if (inTable)
        {
            html.Append("</table>");
        }
        return html.Append("</body></html>").ToString();
    }
}
