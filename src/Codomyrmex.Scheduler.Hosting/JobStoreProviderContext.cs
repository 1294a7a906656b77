namespace Codomyrmex.Scheduler.Hosting;

/// <summary>What a store provider gets when the store text names it: the services and the text after the provider's name.</summary>
/// <remarks>A <see langword="struct"/>, so that fields can be added later without breaking providers.</remarks>
public readonly struct JobStoreProviderContext
{
    /// <summary>Creates the context.</summary>
    /// <param name="services">The application's services.</param>
    /// <param name="argument">The text after the first colon, or <see langword="null"/> when there is none.</param>
    public JobStoreProviderContext(IServiceProvider services, string? argument)
    {
        Services = services;
        Argument = argument;
    }

    /// <summary>Gets the application's services (for example <c>IHostEnvironment.ContentRootPath</c>, to resolve a relative path).</summary>
    public IServiceProvider Services { get; }

    /// <summary>Gets the text after the first colon (<c>jobs.db</c> in <c>sqlite:jobs.db</c>), or <see langword="null"/> for just the name.</summary>
    public string? Argument { get; }
}
