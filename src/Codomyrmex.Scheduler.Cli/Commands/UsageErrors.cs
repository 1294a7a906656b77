using System.CommandLine;
using System.CommandLine.Parsing;
using Codomyrmex.Scheduler.JobsSchema;

namespace Codomyrmex.Scheduler.Cli.Commands;

/// <summary>
/// How a command line that does not parse is reported: its errors on stderr, one line each, a suggestion for a mistyped name,
/// and a pointer to the help of the command that was meant, by its full path (<c>schedctl jobs history --help</c>).
/// </summary>
internal static class UsageErrors
{
    /// <summary>Writes the errors of <paramref name="parse"/> to <paramref name="error"/>; the caller exits with <see cref="ExitCodes.Usage"/>.</summary>
    public static void Write(ParseResult parse, TextWriter error)
    {
        CommandResult result = parse.CommandResult;
        Command command = result.Command;
        string path = PathOf(result);
        string? word = parse.UnmatchedTokens.Count > 0 ? parse.UnmatchedTokens[0] : null;

        // A command that only groups others (schedctl, schedctl jobs) needs one of them. The parser reports a wrong word there
        // twice ("Required command was not provided." and "Unrecognized command"); one line says what is wrong.
        if (command.Action is null && command.Subcommands.Count > 0)
        {
            string[] names = [.. command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name)];
            string commands = string.Join(", ", names);
            if (word is null || word.StartsWith('-'))
            {
                error.WriteLine($"'{path}' needs a command: {commands}.");
            }
            else
            {
                string suggestion = Suggest(word, names) is { } near ? $" Did you mean '{path} {near}'?" : "";
                error.WriteLine($"'{word}' is not a command of '{path}'.{suggestion} Its commands: {commands}.");
            }
        }
        else
        {
            foreach (ParseError parseError in parse.Errors)
            {
                error.WriteLine(parseError.Message);
            }

            string[] options = [.. OptionsOf(result).SelectMany(o => o.Aliases.Prepend(o.Name))];
            foreach (string token in parse.UnmatchedTokens.Where(t => t.StartsWith('-')))
            {
                if (Suggest(token, options) is { } near)
                {
                    error.WriteLine($"Did you mean '{near}' instead of '{token}'?");
                }
            }
        }

        error.WriteLine($"Run '{path} --help' for usage.");
    }

    /// <summary>The command as typed from the root: <c>schedctl jobs history</c>.</summary>
    public static string PathOf(CommandResult result)
    {
        var names = new Stack<string>();
        for (SymbolResult? at = result; at is not null; at = at.Parent)
        {
            if (at is CommandResult { Command: var command })
            {
                names.Push(command is RootCommand ? "schedctl" : command.Name);
            }
        }

        return string.Join(' ', names);
    }

    /// <summary>The options a command takes: its own and the recursive ones of the commands above it.</summary>
    private static IEnumerable<Option> OptionsOf(CommandResult result)
    {
        foreach (Option option in result.Command.Options)
        {
            yield return option;
        }

        for (SymbolResult? at = result.Parent; at is not null; at = at.Parent)
        {
            if (at is CommandResult { Command: var parent })
            {
                foreach (Option option in parent.Options.Where(o => o.Recursive))
                {
                    yield return option;
                }
            }
        }
    }

    /// <summary>What a mistyped or shortened name meant: the one name it starts, else the closest name (see <see cref="Names.Closest"/>).</summary>
    private static string? Suggest(string word, string[] names) =>
        names.Where(n => n.StartsWith(word, StringComparison.OrdinalIgnoreCase)).Distinct().ToArray() is [var only] ? only : Names.Closest(word, names);
}
