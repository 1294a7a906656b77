namespace Codomyrmex.Scheduler.JobsSchema;

/// <summary>What a value of a jobs source is.</summary>
internal enum SchemaKind
{
    /// <summary>Named fields.</summary>
    Object,

    /// <summary>Items in order.</summary>
    Array,

    /// <summary>A JSON string.</summary>
    String,

    /// <summary>A JSON number.</summary>
    Number,

    /// <summary>A JSON <c>true</c> or <c>false</c>.</summary>
    Boolean,

    /// <summary>A JSON <c>null</c>, or a configuration key without a value.</summary>
    Null,

    /// <summary>A configuration value: text whose type the source does not know (<c>"5"</c>, <c>"True"</c>, <c>"queue"</c>).</summary>
    Text,
}
