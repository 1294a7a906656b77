using System.Globalization;
using Codomyrmex.Scheduler.JobsSchema;
using Microsoft.Extensions.Configuration;

namespace Codomyrmex.Scheduler.Hosting.Configuration;

/// <summary>A configuration section for the jobs schema's reader: errors are reported with the section's path.</summary>
/// <remarks>
/// Configuration holds text only, and an empty array or object of appsettings.json arrives as an empty value: a value is
/// <see cref="SchemaKind.Text"/>, children keyed 0, 1, 2, ... are an array, other children an object.
/// </remarks>
internal sealed class ConfigurationSchemaNode(IConfigurationSection section, ConfigurationReader reader) : SchemaNode
{
    private List<IConfigurationSection>? _children;

    public override SchemaKind Kind =>
        Sections.Count > 0
            ? Sections.Select((child, index) => child.Key == index.ToString(CultureInfo.InvariantCulture)).All(match => match) ? SchemaKind.Array : SchemaKind.Object
            : section.Value is null ? SchemaKind.Null : SchemaKind.Text;

    public override string Key => section.Key;

    public override string? Text => Sections.Count == 0 ? section.Value : null;

    public override IEnumerable<SchemaNode> Children => Sections.Select(child => new ConfigurationSchemaNode(child, reader));

    public override string Place => "at " + section.Path;

    public override bool IgnoresCase => true;

    private List<IConfigurationSection> Sections => _children ??= [.. section.GetChildren()];

    public override void Error(string message) => reader.Error(section, message);
}
