-- Codomyrmex.Scheduler PostgreSQL store, schema version 2: a million jobs.
--
-- To install by hand after 001_initial.sql, run this file with the schema as the search path, then record version 2.
--
-- Listing by name, name prefix or source reads a range of an index; a name is indexed by its first 256 characters in the
-- "C" collation (byte order, so a prefix is a range, whatever the database's collation), which keeps every key within a
-- B-tree page however long a name is; the query checks the whole name against the rows of that range.
CREATE INDEX jobs_name ON jobs ((left(name, 256) COLLATE "C"), seq);
CREATE INDEX jobs_source ON jobs (source, seq) WHERE source IS NOT NULL;

-- Jobs counted as they come, finish and go, so that counting costs the same at any number of jobs. Counted by class: 0 is
-- pending or running (a claim or a completion that moves a job between the two writes nothing here) and 2, 3, 4 the
-- finished statuses; running jobs, as many as the runs in progress, are counted from jobs_status. Each server process
-- (backend) adds to rows of its own, so that nodes adding and finishing jobs at once never wait for one counter row; the
-- count is the sum, and the rows of backends that have ended are folded into backend 0 by the nodes' heartbeats.
CREATE TABLE job_counts (
    class   integer NOT NULL,
    backend integer NOT NULL,   -- pg_backend_pid() of the writer; 0: folded
    jobs    bigint  NOT NULL,
    PRIMARY KEY (class, backend)
);
INSERT INTO job_counts (class, backend, jobs)
    SELECT c, 0, (SELECT count(*) FROM jobs WHERE CASE WHEN status >= 2 THEN status ELSE 0 END = c) FROM unnest(ARRAY[0, 2, 3, 4]) AS c;

CREATE FUNCTION jobs_counted() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        INSERT INTO job_counts AS counted (class, backend, jobs)
            VALUES (CASE WHEN OLD.status >= 2 THEN OLD.status ELSE 0 END, pg_backend_pid(), -1)
            ON CONFLICT (class, backend) DO UPDATE SET jobs = counted.jobs - 1;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO job_counts AS counted (class, backend, jobs)
            VALUES (CASE WHEN NEW.status >= 2 THEN NEW.status ELSE 0 END, pg_backend_pid(), 1)
            ON CONFLICT (class, backend) DO UPDATE SET jobs = counted.jobs + 1;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER jobs_counted AFTER INSERT OR DELETE ON jobs FOR EACH ROW EXECUTE FUNCTION jobs_counted();
CREATE TRIGGER jobs_counted_status AFTER UPDATE OF status ON jobs FOR EACH ROW
    WHEN ((CASE WHEN OLD.status >= 2 THEN OLD.status ELSE 0 END) <> (CASE WHEN NEW.status >= 2 THEN NEW.status ELSE 0 END))
    EXECUTE FUNCTION jobs_counted();
