namespace Codomyrmex.Scheduler.Mcp.Internal;

/// <summary>A refusal of a tool call: its message becomes the call's <c>{"error": "..."}</c> object, and nothing was changed.</summary>
internal sealed class ToolError : Exception
{
    public ToolError(string message)
        : base(message)
    {
    }

    public ToolError()
    {
    }

    public ToolError(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
