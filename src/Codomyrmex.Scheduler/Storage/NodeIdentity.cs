using System.Globalization;

namespace Codomyrmex.Scheduler.Storage;

/// <summary>Who a scheduler instance is: the name it was given, and an instance id unique to this instance.</summary>
/// <remarks>
/// Runs are held by <see cref="InstanceId"/>, never by <see cref="Name"/>: two processes given the same name (two replicas of
/// one deployment) have different instance ids, so neither ever renews or completes the other's runs.
/// </remarks>
public sealed class NodeIdentity
{
    /// <summary>Gets the id unique to this scheduler instance: <see cref="Name"/>, a slash, and a random part of 128 bits (32 hex digits), such as <c>web-1/7f3a9c2e04b14d6a9e0c5b8f1d2a3e4c</c>.</summary>
    public required string InstanceId { get; init; }

    /// <summary>Gets the configured name, by default <c>MachineName:ProcessId</c>.</summary>
    public required string Name { get; init; }

    /// <summary>Gets the machine the instance runs on.</summary>
    public string Host { get; init; } = "";

    /// <summary>Gets the id of the instance's process.</summary>
    public int ProcessId { get; init; }

    /// <summary>Gets when the instance was created, by its own clock.</summary>
    public DateTimeOffset StartedAt { get; init; }

    /// <summary>Creates the identity of a new instance in this process.</summary>
    /// <param name="name">The configured name, or <see langword="null"/> for <c>MachineName:ProcessId</c>.</param>
    /// <param name="startedAt">When the instance was created.</param>
    /// <returns>An identity whose <see cref="InstanceId"/> no other instance has.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty.</exception>
    public static NodeIdentity Create(string? name, DateTimeOffset startedAt)
    {
        if (name is { Length: 0 })
        {
            throw new ArgumentException("The node name is empty; pass null for the default name.", nameof(name));
        }

        string host = Environment.MachineName;
        int pid = Environment.ProcessId;
        name ??= string.Create(CultureInfo.InvariantCulture, $"{host}:{pid}");
        string unique = Guid.NewGuid().ToString("N", CultureInfo.InvariantCulture);
        return new NodeIdentity { InstanceId = name + "/" + unique, Name = name, Host = host, ProcessId = pid, StartedAt = startedAt };
    }
}
