using System.Globalization;
using System.Text;

namespace Codomyrmex.Scheduler.Dashboard.Internal;

/// <summary>Builds HTML where every value is encoded: <c>Text</c> for content and attributes, <see cref="Raw"/> only for the dashboard's own markup.</summary>
internal sealed class HtmlBuilder
{
    private readonly StringBuilder _html = new(8192);

    public HtmlBuilder Raw(string markup)
    {
        _html.Append(markup);
        return this;
    }

    public HtmlBuilder Text(string? value)
    {
        // The five characters that can end text or a quoted attribute become references; everything else stays readable
        // (the pages are UTF-8). Every attribute the dashboard writes is quoted with ".
        foreach (char c in value.AsSpan())
        {
            _ = c switch
            {
                '&' => _html.Append("&amp;"),
                '<' => _html.Append("&lt;"),
                '>' => _html.Append("&gt;"),
                '"' => _html.Append("&quot;"),
                '\'' => _html.Append("&#39;"),
                _ => _html.Append(c),
            };
        }

        return this;
    }

    public HtmlBuilder Text(int value) => Raw(value.ToString(CultureInfo.InvariantCulture));

    /// <summary>An element with encoded text content: <c>&lt;td class="x"&gt;text&lt;/td&gt;</c>.</summary>
    public HtmlBuilder Element(string tag, string? text, string? cssClass = null)
    {
        _html.Append('<').Append(tag);
        if (cssClass is not null)
        {
            _html.Append(" class=\"").Append(cssClass).Append('"');
        }

        _html.Append('>');
        Text(text);
        _html.Append("</").Append(tag).Append('>');
        return this;
    }

    /// <summary>A link whose address and text are both encoded.</summary>
    public HtmlBuilder Link(string href, string? text, string? cssClass = null)
    {
        _html.Append("<a href=\"");
        Text(href);
        _html.Append('"');
        if (cssClass is not null)
        {
            _html.Append(" class=\"").Append(cssClass).Append('"');
        }

        _html.Append('>');
        Text(text);
        _html.Append("</a>");
        return this;
    }

    public override string ToString() => _html.ToString();
}
