namespace Codomyrmex.Scheduler.Tests;

/// <summary>A plain field: its text and the set of values it means (day-of-week values 0-6).</summary>
internal sealed record FieldSpec(string Text, bool[] Values);
