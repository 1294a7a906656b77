namespace Codomyrmex.Scheduler.Hosting.Internal;

/// <summary>A task added with <see cref="SchedulerBuilder.AddTask{TTask}"/> (or a sibling), registered on the scheduler when DI builds it.</summary>
/// <param name="Name">The task's name.</param>
/// <param name="Register">Registers the task on the scheduler, given the root service provider.</param>
internal sealed record TaskRegistration(string Name, Action<Scheduler, IServiceProvider> Register);
