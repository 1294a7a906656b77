-- Codomyrmex.Scheduler PostgreSQL store, schema version 3: the job counters move once per statement.
--
-- To install by hand after 002_queries.sql, run this file with the schema as the search path, then record version 3.
--
-- The counters are those of version 2 (job_counts: one row per status class and server process). Version 2 moved them
-- from a trigger on each job row, so a batch of completions wrote a counter row twice per job, each time a new version of
-- that row in the same transaction. Now each statement that adds, changes or deletes jobs sums what it moved per class
-- from its transition tables and writes each counter it moved once; a statement that moves no job between classes (a
-- claim: pending and running are one class) writes none.
DROP TRIGGER jobs_counted ON jobs;
DROP TRIGGER jobs_counted_status ON jobs;
DROP FUNCTION jobs_counted();

CREATE FUNCTION jobs_counted() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    -- One statement per operation: each names only the transition tables its trigger has.
    IF TG_OP = 'INSERT' THEN
        INSERT INTO job_counts AS counted (class, backend, jobs)
            SELECT CASE WHEN status >= 2 THEN status ELSE 0 END, pg_backend_pid(), count(*) FROM new_jobs GROUP BY 1
            ON CONFLICT (class, backend) DO UPDATE SET jobs = counted.jobs + excluded.jobs;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO job_counts AS counted (class, backend, jobs)
            SELECT CASE WHEN status >= 2 THEN status ELSE 0 END, pg_backend_pid(), -count(*) FROM old_jobs GROUP BY 1
            ON CONFLICT (class, backend) DO UPDATE SET jobs = counted.jobs + excluded.jobs;
    ELSE
        INSERT INTO job_counts AS counted (class, backend, jobs)
            SELECT class, pg_backend_pid(), sum(moved) FROM (
                SELECT CASE WHEN status >= 2 THEN status ELSE 0 END AS class, 1 AS moved FROM new_jobs
                UNION ALL
                SELECT CASE WHEN status >= 2 THEN status ELSE 0 END, -1 FROM old_jobs) AS changes
            GROUP BY class HAVING sum(moved) <> 0
            ON CONFLICT (class, backend) DO UPDATE SET jobs = counted.jobs + excluded.jobs;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER jobs_counted_insert AFTER INSERT ON jobs REFERENCING NEW TABLE AS new_jobs
    FOR EACH STATEMENT EXECUTE FUNCTION jobs_counted();
CREATE TRIGGER jobs_counted_update AFTER UPDATE ON jobs REFERENCING OLD TABLE AS old_jobs NEW TABLE AS new_jobs
    FOR EACH STATEMENT EXECUTE FUNCTION jobs_counted();
CREATE TRIGGER jobs_counted_delete AFTER DELETE ON jobs REFERENCING OLD TABLE AS old_jobs
    FOR EACH STATEMENT EXECUTE FUNCTION jobs_counted();
