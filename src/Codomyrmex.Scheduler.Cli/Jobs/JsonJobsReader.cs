using System.Text.Json;
using Codomyrmex.Scheduler.JobsSchema;

namespace Codomyrmex.Scheduler.Cli.Jobs;

/// <summary>Reads a JSON jobs file (comments and trailing commas allowed), collecting every error with its line and column.</summary>
/// <remarks>The jobs and tasks are read by the jobs schema's one reader (<see cref="JobShapeReader"/>), which the hosting configuration shares.</remarks>
internal sealed class JsonJobsReader
{
    private static readonly string[] RootFields = ["jobs", "tasks", "$schema"];

    private readonly List<FileError> _errors = [];
    private readonly JobShapeReader _reader = new(JobSourceRules.JobsFile);

    public static JobsFileResult Read(string path, byte[] utf8)
    {
        // A byte order mark is not JSON; dropping it keeps line 1's columns right.
        if (utf8.AsSpan().StartsWith("\uFEFF"u8))
        {
            utf8 = utf8[3..];
        }

        JsonPositions positions;
        JsonDocument document;
        try
        {
            positions = new JsonPositions(utf8);
            document = JsonDocument.Parse(utf8, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException) when (HoldsNoValue(utf8))
        {
            // An empty file (or one of whitespace and comments) declares no jobs, as an empty crontab does: run starts with none.
            return new JobsFileResult(JobsFileFormat.Json, new JobsFile(path, JobsFileFormat.Json, []), []);
        }
        catch (JsonException e)
        {
            (int line, int column) = TextPositions.OfLine(utf8, e.LineNumber ?? 0, e.BytePositionInLine ?? 0);
            return new JobsFileResult(JobsFileFormat.Json, null, [new FileError(line, column, SyntaxMessage(e.Message))]);
        }

        if (positions.Problems.Count > 0)
        {
            // A repeated key or a string that is no text makes the document mean something other than what it shows.
            document.Dispose();
            return new JobsFileResult(JobsFileFormat.Json, null, positions.Problems);
        }

        using (document)
        {
            var reader = new JsonJobsReader();
            List<JobSpec> jobs = reader.ReadRoot(new JsonSchemaNode(document.RootElement, "", "$", positions, reader._errors));
            IReadOnlyList<FileError> errors = [.. reader._errors.OrderBy(e => e.Line).ThenBy(e => e.Column)];
            return new JobsFileResult(
                JobsFileFormat.Json,
                errors.Count == 0 ? new JobsFile(path, JobsFileFormat.Json, jobs) { Tasks = [.. reader._reader.Tasks.Values] } : null,
                errors);
        }
    }

    /// <summary>Whether the text holds no JSON value at all: nothing, or only whitespace and whole comments.</summary>
    /// <remarks>
    /// The reader cannot be asked whether any token comes without throwing on a final block that has none, so a value is put
    /// after the text on a line of its own: it is the first token only when nothing but whitespace and whole comments came first.
    /// </remarks>
    private static bool HoldsNoValue(byte[] utf8)
    {
        byte[] probe = [.. utf8, .. "\n0"u8];
        var reader = new Utf8JsonReader(probe, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
        try
        {
            return reader.Read() && reader.TokenStartIndex == utf8.Length + 1;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>The reader's message without the position it appends ("… LineNumber: 3 | BytePositionInLine: 7.").</summary>
    private static string SyntaxMessage(string message)
    {
        int cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        int path = message.IndexOf(" Path:", StringComparison.Ordinal);
        cut = path >= 0 && (cut < 0 || path < cut) ? path : cut;
        return "invalid JSON: " + (cut >= 0 ? message[..cut] : message).TrimEnd();
    }

    private List<JobSpec> ReadRoot(JsonSchemaNode root)
    {
        if (root.Kind != SchemaKind.Object)
        {
            root.Error($"a jobs file is an object {{\"jobs\": [...]}}, not {root.Describe()}.");
            return [];
        }

        foreach (SchemaNode field in root.Children)
        {
            if (!RootFields.Contains(field.Key, StringComparer.Ordinal))
            {
                field.ErrorAtName(JobShapeReader.UnknownField(field.Key, RootFields, "the jobs file"));
            }
        }

        SchemaNode? tasks = root.Field("tasks");
        SchemaNode? jobs = root.Field("jobs");
        if (tasks is not null)
        {
            _reader.ReadTasks(tasks);
        }

        if (jobs is null)
        {
            // A file of tasks alone is whole: its tasks wait to be run by name.
            if (tasks is null)
            {
                root.Error("the jobs file has no \"jobs\" array.");
            }

            return [];
        }

        return [.. _reader.ReadJobs(jobs).Select(Spec)];
    }

    private JobSpec Spec(JobShape job)
    {
        var node = (JsonSchemaNode)job.Node;
        return new JobSpec
        {
            Name = job.Name,
            Trigger = job.Trigger,
            Task = job.Task,
            Command = job.Command!,
            Shell = job.Shell,
            WorkingDirectory = job.WorkingDirectory,
            Environment = job.Environment,
            MaxRuns = job.MaxRuns,
            Options = job.Options,
            Line = node.Position.Line,
            Column = node.Position.Column,
            Places = node.Children.Cast<JsonSchemaNode>().ToDictionary(field => field.Key, field => field.Position),
        };
    }
}
