using System.CommandLine;
using System.Globalization;
using Codomyrmex.Scheduler.Cli.Output;
using Codomyrmex.Scheduler.Storage;

namespace Codomyrmex.Scheduler.Cli.Commands;

/// <summary>
/// <c>schedctl nodes [--store STORE] [--utc] [--json]</c>: the schedulers whose heartbeat in the store is current (a
/// <c>schedctl run</c>, an application using the store), each with its instance id, name, host, process, start, last
/// heartbeat and runs in progress.
/// </summary>
internal static class NodesCommand
{
    public static Command Create()
    {
        Option<string> store = StoreOption.Create();
        Option<bool> utc = Schedctl.UtcOption();
        Option<bool> json = Schedctl.JsonOption("the nodes (an array)");
        var command = new Command("nodes",
            "List the live nodes of a store: the schedulers whose heartbeat is current (schedctl run, an app using the store), with " +
            "instance id, name, host, process id, start, last heartbeat and runs in progress. A node that stopped leaves the list at " +
            "once; one that died leaves it when its heartbeat lapses.")
        {
            store, utc, json,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            string storeText = StoreOption.Resolve(parse.GetValue(store));
            return JobStoreAccess.ReadAsync(parse.InvocationConfiguration, storeText, s =>
                ListAsync(parse.InvocationConfiguration.Output, s, TimeText.For(parse.GetValue(utc)), parse.GetValue(json), cancellationToken));
        });
        return command;
    }

    private static async Task<int> ListAsync(TextWriter output, IJobStore store, TimeText time, bool json, CancellationToken cancellationToken)
    {
        IReadOnlyList<NodeInfo> nodes = [.. (await store.ListNodesAsync(cancellationToken).ConfigureAwait(false))
            .OrderBy(node => node.StartedAt).ThenBy(node => node.InstanceId, StringComparer.Ordinal)];
        if (json)
        {
            JsonOutput.Write(output, writer =>
            {
                writer.WriteStartArray();
                foreach (NodeInfo node in nodes)
                {
                    writer.WriteStartObject();
                    writer.WriteString("instance_id", node.InstanceId);
                    writer.WriteString("name", node.Name);
                    writer.WriteString("host", node.Host);
                    writer.WriteNumber("pid", node.ProcessId);
                    writer.WriteString("started_at", TimeText.Json(node.StartedAt));
                    writer.WriteString("last_seen", TimeText.Json(node.LastSeen));
                    writer.WriteString("alive_until", TimeText.Json(node.AliveUntil));
                    writer.WriteNumber("running_runs", node.RunningRuns);
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
            });
            return ExitCodes.Success;
        }

        if (nodes.Count == 0)
        {
            await output.WriteLineAsync("No live nodes: no scheduler has a current heartbeat in this store.").ConfigureAwait(false);
            return ExitCodes.Success;
        }

        var table = new TextTable("INSTANCE", "NAME", "HOST", "PID>", "STARTED", "LAST SEEN", "RUNNING>");
        foreach (NodeInfo node in nodes)
        {
            table.Add(node.InstanceId, node.Name, node.Host, node.ProcessId.ToString(CultureInfo.InvariantCulture), time.Format(node.StartedAt),
                time.Format(node.LastSeen), node.RunningRuns.ToString(CultureInfo.InvariantCulture));
        }

        table.Write(output);
        return ExitCodes.Success;
    }
}
