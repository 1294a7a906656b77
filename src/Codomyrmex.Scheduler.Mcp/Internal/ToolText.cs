namespace Codomyrmex.Scheduler.Mcp.Internal;

/// <summary>What <c>tools/list</c> tells an agent: each tool's description and input schema, written so it can act without other docs.</summary>
internal static class ToolText
{
    private const string Errors = " A refused call answers {\"error\": \"...\"} and changes nothing.";

    public const string ScheduleJob =
        "Schedule a job that runs one of the declared tasks (list_tasks names them) once, at an interval, or on a cron schedule. " +
        "trigger_type once: trigger_config {\"run_at\": \"2030-01-31T09:00:00+01:00\"} (ISO-8601 with an offset, in the future). " +
        "interval: {\"seconds\", \"minutes\", \"hours\", \"days\"} (whole numbers, summed; the first run is one interval from now). " +
        "cron: {\"expression\": \"0 9 * * 1-5\", \"time_zone\": \"Europe/Berlin\"} (five fields, or six with seconds first; check it with explain_cron). " +
        "Answers job_id, name, next_run and status \"pending\"." + Errors;

    public const string ListJobs =
        "List jobs, in the order they were added, a page at a time: each with job_id, name, status, trigger_type, next_run, run_count, last_run; " +
        "total counts every job that matches." + Errors;

    public const string CancelJob =
        "Cancel a job: it never runs again, and a run in progress is stopped. Answers cancelled (true if the job exists, also when it was " +
        "cancelled already; false for an unknown id) and job_id.";

    public const string JobStatus =
        "Show one job: status, trigger_type, created_at, last_run, next_run, run_count, max_runs, the last error, whether it is paused, " +
        "and its most recent runs (history, newest first; job_history pages through all of them)." + Errors;

    public const string RunJobNow =
        "Run a job now, outside its schedule (its next run does not change). Answers once the run has started; poll job_status for its outcome. " +
        "Also runs a paused job." + Errors;

    public const string JobHistory = "Page through a job's runs, newest first: outcome, scheduled and actual times, duration, error." + Errors;

    public const string ListTasks =
        "List the tasks schedule_job may run: name, description, takes_args (whether args may be given), args_may_be_options (whether " +
        "an argument may start with '-') and kwargs (the only keyword arguments allowed). Nothing else can be scheduled.";

    public const string ExplainCron =
        "Explain a cron expression in plain English and list its next runs in a time zone, to check a schedule before scheduling it." + Errors;

    public const string PauseJob = "Pause a job: it keeps its schedule and fires nothing until resume_job; a run in progress finishes." + Errors;

    public const string ResumeJob = "Resume a paused job: it fires again from its next scheduled time." + Errors;

    public const string NoArgumentsSchema = """{"type": "object", "properties": {}, "additionalProperties": false}""";

    public const string JobIdSchema = """
        {"type": "object", "properties": {"job_id": {"type": "string", "description": "The job's id, as schedule_job or list_jobs gave it."}},
         "required": ["job_id"], "additionalProperties": false}
        """;

    public const string JobStatusSchema = JobIdSchema;

    public const string ScheduleJobSchema = """
        {"type": "object",
         "properties": {
           "name": {"type": "string", "minLength": 1, "description": "A name for the job; no other live job created through MCP may have it."},
           "task": {"type": "string", "description": "The declared task to run (see list_tasks)."},
           "trigger_type": {"type": "string", "enum": ["once", "interval", "cron"]},
           "trigger_config": {"type": "object", "description": "once: {run_at}; interval: {seconds, minutes, hours, days}; cron: {expression, time_zone}.",
             "properties": {
               "run_at": {"type": "string", "format": "date-time", "description": "once: ISO-8601 with an offset, in the future."},
               "seconds": {"type": "integer", "minimum": 0}, "minutes": {"type": "integer", "minimum": 0},
               "hours": {"type": "integer", "minimum": 0}, "days": {"type": "integer", "minimum": 0},
               "expression": {"type": "string", "description": "cron: five fields (minute hour day-of-month month day-of-week), six with seconds first, or @daily etc."},
               "time_zone": {"type": "string", "description": "cron: an IANA zone such as Europe/Berlin; default UTC."}},
             "additionalProperties": false},
           "args": {"type": "array", "description": "Positional arguments, only for a task whose takes_args is true; one starting with '-' only if its args_may_be_options is true. No control characters."},
           "kwargs": {"type": "object", "description": "Keyword arguments, only the names the task's kwargs list. No control characters."},
           "max_runs": {"type": "integer", "minimum": 1, "description": "The most runs, failed ones included; omit for no limit."}},
         "required": ["name", "task", "trigger_type", "trigger_config"], "additionalProperties": false}
        """;

    public const string ListJobsSchema = """
        {"type": "object",
         "properties": {
           "status": {"type": "string", "enum": ["pending", "running", "completed", "failed", "cancelled"], "description": "Only jobs in this status."},
           "limit": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100, "description": "The most jobs to answer."},
           "offset": {"type": "integer", "minimum": 0, "maximum": 100000, "default": 0, "description": "How many matching jobs to skip (at most 100,000)."}},
         "additionalProperties": false}
        """;

    public const string JobHistorySchema = """
        {"type": "object",
         "properties": {
           "job_id": {"type": "string", "description": "The job's id."},
           "limit": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20, "description": "The most runs to answer."},
           "offset": {"type": "integer", "minimum": 0, "maximum": 100000, "default": 0, "description": "How many of the newest runs to skip (at most 100,000)."}},
         "required": ["job_id"], "additionalProperties": false}
        """;

    public const string ExplainCronSchema = """
        {"type": "object",
         "properties": {
           "expression": {"type": "string", "description": "Five fields (minute hour day-of-month month day-of-week), six with seconds first, or a macro such as @daily."},
           "time_zone": {"type": "string", "description": "An IANA zone such as Europe/Berlin; default UTC."},
           "count": {"type": "integer", "minimum": 1, "maximum": 50, "default": 5, "description": "How many next runs to list."}},
         "required": ["expression"], "additionalProperties": false}
        """;
}
