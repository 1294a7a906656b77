using System.Text.Json.Nodes;

namespace Codomyrmex.Scheduler.Cli.Running;

/// <summary>What one run of a command job executes: read back from the job's JSON arguments, as <c>schedctl run</c> stored them.</summary>
/// <param name="Command">The argv, or a single command line when <paramref name="Shell"/> is set.</param>
/// <param name="Shell">Whether to run the command line through the shell.</param>
/// <param name="WorkingDirectory">The folder to run in, or <see langword="null"/> for schedctl's own.</param>
/// <param name="Environment">Variables added to the command's environment.</param>
/// <param name="User">The account to run as (a system crontab's user column), or <see langword="null"/> for schedctl's own.</param>
internal sealed record CommandInvocation(IReadOnlyList<string> Command, bool Shell, string? WorkingDirectory, IReadOnlyDictionary<string, string> Environment,
    string? User = null)
{
    /// <summary>The JSON arguments of a command job: <c>args</c> = argv, <c>kwargs</c> = <c>{shell, working_dir, env, user}</c>.</summary>
    public static (JsonArray Args, JsonObject Kwargs) ToJson(IReadOnlyList<string> command, bool shell, string? workingDirectory,
        IReadOnlyDictionary<string, string> environment, string? user = null)
    {
        var args = new JsonArray();
        foreach (string part in command)
        {
            args.Add(part);
        }

        var kwargs = new JsonObject();
        if (shell)
        {
            kwargs["shell"] = true;
        }

        if (workingDirectory is not null)
        {
            kwargs["working_dir"] = workingDirectory;
        }

        if (environment.Count > 0)
        {
            var env = new JsonObject();
            foreach ((string name, string value) in environment.OrderBy(pair => pair.Key, StringComparer.Ordinal))
            {
                env[name] = value;
            }

            kwargs["env"] = env;
        }

        if (user is not null)
        {
            kwargs["user"] = user;
        }

        return (args, kwargs);
    }

    /// <summary>Reads a run's command from its context.</summary>
    /// <exception cref="InvalidOperationException">The job's arguments are not a command (the store was edited by hand, or by another program).</exception>
    public static CommandInvocation FromContext(JobContext context)
    {
        var command = new List<string>(context.Args.Count);
        foreach (object? arg in context.Args)
        {
            command.Add(arg is JsonValue value && value.TryGetValue(out string? text)
                ? text
                : throw new InvalidOperationException($"Job '{context.JobName}' has an argument that is not a string: {arg}; a command is a list of strings."));
        }

        if (command.Count == 0)
        {
            throw new InvalidOperationException($"Job '{context.JobName}' has no command to run.");
        }

        bool shell = context.Kwargs.TryGetValue("shell", out object? flag) && flag is JsonValue shellValue && shellValue.TryGetValue(out bool isShell) && isShell;
        string? folder = context.Kwargs.TryGetValue("working_dir", out object? dir) && dir is JsonValue dirValue && dirValue.TryGetValue(out string? path)
            ? path
            : null;
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        if (context.Kwargs.TryGetValue("env", out object? env) && env is JsonObject variables)
        {
            foreach ((string name, JsonNode? value) in variables)
            {
                environment[name] = value?.ToString() ?? "";
            }
        }

        string? user = context.Kwargs.TryGetValue("user", out object? who) && who is JsonValue userValue && userValue.TryGetValue(out string? account)
            ? account
            : null;
        return new CommandInvocation(command, shell, folder, environment, user);
    }
}
