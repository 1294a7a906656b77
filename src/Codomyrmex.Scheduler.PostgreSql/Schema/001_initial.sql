-- Codomyrmex.Scheduler PostgreSQL store, schema version 1.
--
-- The store creates and migrates this schema itself (PostgreSqlJobStoreOptions.Schema, default "codomyrmex"), under an
-- advisory lock so that nodes starting at once migrate it once. To install it by hand, run the whole schema at the package's
-- version (PostgreSqlJobStore.GetSchemaScript(): the version table, every NNN_*.sql file in order, the version recorded),
-- or the files one by one in one transaction with the schema as the search path:
--   BEGIN; CREATE SCHEMA codomyrmex; SET LOCAL search_path TO codomyrmex;
--   CREATE TABLE schema_version (id integer PRIMARY KEY CHECK (id = 1), version integer NOT NULL);
--   \i 001_initial.sql   -- then 002_queries.sql, 003_..., each file in order
--   INSERT INTO schema_version (id, version) VALUES (1, <the number of the last file>); COMMIT;
--
-- Times are UTC ticks (100 ns since 0001-01-01, as .NET counts them) in bigint columns: exact, compact and compared by
-- plain indexes. 0 means "none" in the job state's columns. The store reads the server's clock for what is due, leases,
-- liveness and retention; nodes never write their own time into lease_until, due_at or finished_at.

CREATE TABLE jobs (
    seq               bigint  GENERATED ALWAYS AS IDENTITY UNIQUE,  -- insertion order
    id                text    PRIMARY KEY,
    name              text    NOT NULL,
    task              text,
    args              text    NOT NULL,   -- JSON array
    kwargs            text    NOT NULL,   -- JSON object
    trigger           text,               -- the trigger's JSON; NULL: run once, as soon as possible
    max_runs          integer,
    source            text,               -- where a declared job came from; (source, name) is unique among live jobs
    created_at        bigint  NOT NULL,
    result            text,               -- JSON of the last successful run's value
    error             text,
    overlap           integer NOT NULL,
    misfire           integer NOT NULL,
    misfire_grace     bigint  NOT NULL,
    max_attempts      integer NOT NULL,
    retry_delay       bigint  NOT NULL,
    max_retry_delay   bigint  NOT NULL,
    timeout           bigint,
    recoverable       boolean NOT NULL,
    -- The job's state (JobState), which only the shared rules change:
    status            integer NOT NULL,   -- 0 pending, 1 running, 2 completed, 3 failed, 4 cancelled
    last_failed       boolean NOT NULL,
    run_count         integer NOT NULL,
    failure_count     integer NOT NULL,
    active_runs       integer NOT NULL,
    next_run          bigint  NOT NULL,
    queued            bigint  NOT NULL,
    last_run          bigint  NOT NULL,
    last_duration     bigint  NOT NULL,
    version           bigint  NOT NULL,
    retry_at          bigint  NOT NULL,
    retry_of          bigint  NOT NULL,
    retry_attempt     integer NOT NULL,
    retry_is_recovery boolean NOT NULL,
    waits_for_idle    boolean NOT NULL,
    paused            boolean NOT NULL,
    due_at            bigint,             -- JobState.DueAtTicks; NULL when never due
    finished_at       bigint              -- when the job finished, by the server's clock; NULL while it may run
);
CREATE INDEX jobs_due ON jobs (due_at, seq) WHERE due_at IS NOT NULL;
CREATE INDEX jobs_status ON jobs (status, seq);
CREATE INDEX jobs_finished ON jobs (finished_at) WHERE finished_at IS NOT NULL;
CREATE UNIQUE INDEX jobs_live_name ON jobs (source, name) WHERE source IS NOT NULL AND status IN (0, 1);

-- Fencing tokens: every claim takes the next one, so a newer claim of a run always holds a larger token.
CREATE SEQUENCE fencing_tokens AS bigint;

-- The claimed runs; a run leaves this table when it completes or is recovered.
CREATE TABLE claims (
    run_id      text    PRIMARY KEY,
    job_id      text    NOT NULL,
    scheduled   bigint  NOT NULL,
    claimed_at  bigint  NOT NULL,
    instance_id text    NOT NULL,   -- NodeIdentity.InstanceId of the node holding the run
    node_name   text    NOT NULL,
    lease_until bigint  NOT NULL,   -- by the server's clock
    attempt     integer NOT NULL,
    is_manual   boolean NOT NULL,
    is_recovery boolean NOT NULL,
    token       bigint  NOT NULL    -- the claim's fencing token
);
CREATE INDEX claims_lease ON claims (lease_until);
CREATE INDEX claims_instance ON claims (instance_id);
CREATE INDEX claims_job ON claims (job_id);

-- The run history, newest last.
CREATE TABLE runs (
    seq         bigint  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id      text    NOT NULL,
    job_id      text    NOT NULL,
    job_name    text    NOT NULL,
    scheduled   bigint  NOT NULL,
    started_at  bigint  NOT NULL,
    finished_at bigint  NOT NULL,
    node        text    NOT NULL,
    instance_id text,
    outcome     integer NOT NULL,
    error       text,
    result      text,
    attempt     integer NOT NULL,
    is_manual   boolean NOT NULL,
    is_recovery boolean NOT NULL
);
CREATE INDEX runs_job ON runs (job_id, seq);
CREATE INDEX runs_outcome ON runs (outcome, seq);
CREATE INDEX runs_finished ON runs (finished_at);

-- The nodes, as their heartbeats left them.
CREATE TABLE nodes (
    instance_id text    PRIMARY KEY,
    seq         bigint  GENERATED ALWAYS AS IDENTITY,
    name        text    NOT NULL,
    host        text    NOT NULL,
    process_id  integer NOT NULL,
    started_at  bigint  NOT NULL,
    last_seen   bigint  NOT NULL,
    alive_until bigint  NOT NULL    -- by the server's clock
);
