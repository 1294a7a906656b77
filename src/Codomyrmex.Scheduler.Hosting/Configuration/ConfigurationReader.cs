using System.Globalization;
using Codomyrmex.Scheduler.Internal;
using Codomyrmex.Scheduler.JobsSchema;
using Microsoft.Extensions.Configuration;

namespace Codomyrmex.Scheduler.Hosting.Configuration;

/// <summary>Reads scalar settings from configuration sections, collecting each problem with its configuration path.</summary>
/// <remarks>
/// Configuration holds text only (numbers and booleans of appsettings.json arrive as <c>"5"</c> and <c>"True"</c>), and
/// keys are case-insensitive, so reading it by hand gives both the exact path of each bad value and every error at once,
/// where the reflection binder stops at the first and is not trimming-safe.
/// </remarks>
internal sealed class ConfigurationReader(List<string> errors)
{
    public List<string> Errors { get; } = errors;

    public void Error(IConfigurationSection section, string message) => Errors.Add($"{section.Path}: {message}");

    /// <summary>The value of a setting that must be text, not a section; null (with an error) otherwise.</summary>
    public string? Text(IConfigurationSection section)
    {
        if (section.Value is { } value)
        {
            return value;
        }

        Error(section, "expected a value, not a section.");
        return null;
    }

    /// <summary>A whole number from <paramref name="minimum"/> to <paramref name="maximum"/>.</summary>
    public int? Integer(IConfigurationSection section, int minimum, int maximum = int.MaxValue)
    {
        if (Text(section) is not { } text)
        {
            return null;
        }

        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value))
        {
            Error(section, $"'{text}' is not a whole number.");
            return null;
        }

        if (value < minimum)
        {
            Error(section, $"{value} is too small; it must be at least {minimum}.");
            return null;
        }

        if (value > maximum)
        {
            Error(section, $"{value} is too large; it must be at most {maximum}.");
            return null;
        }

        return value;
    }

    public bool? Boolean(IConfigurationSection section)
    {
        if (Text(section) is not { } text)
        {
            return null;
        }

        if (!bool.TryParse(text, out bool value))
        {
            Error(section, $"'{text}' is not true or false.");
            return null;
        }

        return value;
    }

    /// <summary>
    /// A duration such as <c>30s</c>, <c>1h30m</c> or <c>00:05:00</c>; zero only when <paramref name="allowZero"/>, and never
    /// shorter than <paramref name="minimum"/> when one is given.
    /// </summary>
    public TimeSpan? Duration(IConfigurationSection section, bool allowZero, TimeSpan? minimum = null)
    {
        if (Text(section) is not { } text)
        {
            return null;
        }

        if (!DurationText.TryParse(text, out TimeSpan value, out string? reason))
        {
            Error(section, $"'{text}' is not a duration: {reason}.");
            return null;
        }

        if (!allowZero && value == TimeSpan.Zero)
        {
            Error(section, $"'{text}' is zero; it must be positive.");
            return null;
        }

        if (value < minimum)
        {
            Error(section, $"'{text}' is too short; it must be at least {DurationText.Format(minimum.Value)}.");
            return null;
        }

        return value;
    }

    /// <summary>A time zone by IANA (or Windows) id, with the jobs schema's message when there is none.</summary>
    public TimeZoneInfo? Zone(IConfigurationSection section)
    {
        if (Text(section) is not { } text)
        {
            return null;
        }

        if (!TimeZones.TryFind(text, out TimeZoneInfo? zone, out string? error))
        {
            Error(section, error);
        }

        return zone;
    }

    /// <summary>A value read by a parser of the core that throws <see cref="FormatException"/> naming what is wrong.</summary>
    /// <remarks>For a value type, make <typeparamref name="T"/> nullable, so that a failure reads as null rather than the default value.</remarks>
    public T? Parse<T>(IConfigurationSection section, Func<string, T> parse) => Text(section) is { } text ? Parse(section, text, parse) : default;

    /// <summary>Text read by a parser of the core that throws <see cref="FormatException"/> naming what is wrong.</summary>
    public T? Parse<T>(IConfigurationSection section, string text, Func<string, T> parse)
    {
        try
        {
            return parse(text);
        }
        catch (FormatException exception)
        {
            Error(section, exception.Message);
            return default;
        }
    }

    /// <summary>An error for a key nobody reads: almost always a typo, which would otherwise be ignored in silence.</summary>
    public void Unknown(IConfigurationSection section, string what, IEnumerable<string> known) =>
        Error(section, $"unknown {what} '{section.Key}'; the known ones are {string.Join(", ", known)}.");
}
