using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Unicode;

namespace Codomyrmex.Scheduler.Dashboard.Internal;

/// <summary>Builds HTML where every value is encoded: <c>Text</c> for content and attributes, <see cref="Raw"/> only for the dashboard's own markup.</summary>
internal sealed class HtmlBuilder
{
    // Every letter stays readable; markup characters (< > & " ') and controls are always encoded.
    private static readonly HtmlEncoder Encoder = HtmlEncoder.Create(UnicodeRanges.All);

    private readonly StringBuilder _html = new(8192);

    public HtmlBuilder Raw(string markup)
    {
        _html.Append(markup);
        return this;
    }

    public HtmlBuilder Text(string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            _html.Append(Encoder.Encode(value));
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
