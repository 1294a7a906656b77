namespace Codomyrmex.Scheduler.Cli.Jobs;

/// <summary>The kinds of file schedctl reads jobs from.</summary>
internal enum JobsFileFormat
{
    /// <summary>A JSON (with comments) document <c>{"jobs": [...]}</c>.</summary>
    Json,

    /// <summary>A classic crontab: five fields and a shell command per line, comments, <c>NAME=value</c> lines, macros.</summary>
    Crontab,
}

/// <summary>A jobs file that was read without errors.</summary>
/// <param name="Path">The file, as it was named on the command line.</param>
/// <param name="Format">How it was read.</param>
/// <param name="Jobs">Its jobs, in file order.</param>
internal sealed record JobsFile(string Path, JobsFileFormat Format, IReadOnlyList<JobSpec> Jobs)
{
    /// <summary>Gets a value indicating whether the file is a system crontab, whose jobs each name the account they run as.</summary>
    public bool IsSystem { get; init; }

    /// <summary>Gets the tasks of a JSON jobs file: named commands without a schedule, in file order.</summary>
    public IReadOnlyList<Codomyrmex.Scheduler.JobsSchema.TaskShape> Tasks { get; init; } = [];

    /// <summary>Gets what the reader should know that is no error (a <c>MAILTO</c> that sends no mail), once each, by place.</summary>
    public IReadOnlyList<FileError> Notes { get; init; } = [];

    /// <summary>Gets the jobs as the scheduler keeps them, once <see cref="JobsFileCheck"/> has checked them; empty before.</summary>
    public IReadOnlyList<JobDefinition> Definitions { get; init; } = [];

    /// <summary>Gets each job's first run as the scheduler computes it for a job scheduled now, in the order of <see cref="Jobs"/>; empty before the check.</summary>
    public IReadOnlyList<DateTimeOffset?> NextRuns { get; init; } = [];
}

/// <summary>Something wrong in a jobs file, where it is: <c>FILE:LINE:COL: message</c>.</summary>
/// <param name="Line">The line, from 1; 0 for the file as a whole (it cannot be read).</param>
/// <param name="Column">The column in characters, from 1; 0 with line 0.</param>
/// <param name="Message">What is wrong, naming the bad value.</param>
internal sealed record FileError(int Line, int Column, string Message)
{
    public string Format(string path) =>
        Line == 0 ? $"{path}: {Message}" : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{path}:{Line}:{Column}: {Message}");
}

/// <summary>What reading a jobs file gave: the file, or every error found in it.</summary>
/// <param name="Format">How the file was read.</param>
/// <param name="File">The jobs, when there are no errors.</param>
/// <param name="Errors">The errors, by line and column.</param>
internal sealed record JobsFileResult(JobsFileFormat Format, JobsFile? File, IReadOnlyList<FileError> Errors);
