namespace Codomyrmex.Scheduler.Shared;

/// <summary>The kinds of store a store string names.</summary>
internal enum StoreKind
{
    /// <summary><c>memory</c>: nothing is kept after the process ends.</summary>
    Memory,

    /// <summary><c>sqlite</c>, <c>sqlite:PATH</c>, or a bare path: a SQLite file.</summary>
    Sqlite,

    /// <summary><c>postgres:CONNECTION-STRING</c> (or <c>postgresql:</c>): a PostgreSQL database.</summary>
    Postgres,

    /// <summary>Another scheme, <c>NAME:ARGUMENT</c>: a store an application may add a provider for.</summary>
    Other,
}
