using System.CommandLine;
using System.Globalization;
using Codomyrmex.Scheduler.Cli.Jobs;

namespace Codomyrmex.Scheduler.Cli.Commands;

/// <summary><c>schedctl validate FILE [--format json|crontab] [--json]</c>: check a jobs file or crontab, listing every error with its place.</summary>
internal static class ValidateCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("file") { Description = "A JSON jobs file or a classic crontab." };
        var format = new Option<JobsFileFormat?>("--format")
        {
            Description = "How to read the file; by default JSON for a .json file or one that starts with '{', otherwise a crontab.",
            HelpName = "json|crontab",
        };
        Option<bool> json = Schedctl.JsonOption("the jobs and errors");
        var command = new Command("validate", "Check a jobs file or crontab: every error as FILE:LINE:COL: message; exit code 1 if there are any.")
        {
            file, format, json,
        };
        command.SetAction(parse => Run(parse.InvocationConfiguration, parse.GetRequiredValue(file), parse.GetValue(format), parse.GetValue(json)));
        return command;
    }

    private static int Run(InvocationConfiguration console, string path, JobsFileFormat? format, bool json)
    {
        JobsFileResult result = JobsFileReader.Read(path, format);
        if (json)
        {
            WriteJson(console.Output, path, result);
        }
        else if (result.File is { } file)
        {
            console.Output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{path}: {file.Jobs.Count} job{(file.Jobs.Count == 1 ? "" : "s")} OK"));
        }
        else
        {
            foreach (FileError error in result.Errors)
            {
                console.Output.WriteLine(error.Format(path));
            }

            console.Output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{path}: {result.Errors.Count} error{(result.Errors.Count == 1 ? "" : "s")}"));
        }

        return result.File is null ? ExitCodes.InvalidInput : ExitCodes.Success;
    }

    private static void WriteJson(TextWriter output, string path, JobsFileResult result) => JsonOutput.Write(output, writer =>
    {
        writer.WriteStartObject();
        writer.WriteString("file", path);
        writer.WriteString("format", result.Format == JobsFileFormat.Json ? "json" : "crontab");
        writer.WriteBoolean("valid", result.File is not null);
        writer.WriteStartArray("jobs");
        foreach (JobSpec job in result.File?.Jobs ?? [])
        {
            writer.WriteStartObject();
            writer.WriteString("name", job.Name);
            writer.WriteNumber("line", job.Line);
            writer.WriteString("trigger", job.Trigger.ToString());
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteStartArray("errors");
        foreach (FileError error in result.Errors)
        {
            writer.WriteStartObject();
            writer.WriteNumber("line", error.Line);
            writer.WriteNumber("column", error.Column);
            writer.WriteString("message", error.Message);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    });
}
