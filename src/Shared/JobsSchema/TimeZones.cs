using System.Diagnostics.CodeAnalysis;

namespace Codomyrmex.Scheduler.JobsSchema;

/// <summary>Looks up time zones by IANA (or Windows) id with a message that names the id when there is none.</summary>
internal static class TimeZones
{
    public static bool TryFind(string id, [NotNullWhen(true)] out TimeZoneInfo? zone, [NotNullWhen(false)] out string? error)
    {
        try
        {
            zone = TimeZoneInfo.FindSystemTimeZoneById(id);
            error = null;
            return true;
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException or ArgumentException or IOException
            or UnauthorizedAccessException or System.Security.SecurityException)
        {
            // Ids are looked up as files under the zone database: "America" is a folder there, which the lookup reports as an I/O error.
            zone = null;
            error = $"unknown time zone '{id}'; use an IANA id such as UTC, Europe/Berlin or America/New_York.";
            return false;
        }
    }
}
