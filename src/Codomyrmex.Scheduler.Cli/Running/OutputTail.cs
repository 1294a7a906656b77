using System.Text;

namespace Codomyrmex.Scheduler.Cli.Running;

/// <summary>Reads a command's output stream to its end, keeping only the last characters, so a chatty command cannot fill memory.</summary>
internal sealed class OutputTail
{
    private readonly int _limit;
    private readonly StringBuilder _text = new();
    private bool _cut;

    public OutputTail(int limit) => _limit = limit;

    /// <summary>Gets the kept end of the output; it starts with <c>…</c> when earlier output was dropped.</summary>
    public string Text
    {
        get
        {
            lock (_text)
            {
                string text = _text.Length > _limit ? _text.ToString(_text.Length - _limit, _limit) : _text.ToString();
                return _cut || _text.Length > _limit ? "…" + text : text;
            }
        }
    }

    /// <summary>Reads the stream to its end.</summary>
    public async Task ReadToEndAsync(StreamReader reader)
    {
        var buffer = new char[4096];
        int read;
        while ((read = await reader.ReadAsync(buffer).ConfigureAwait(false)) > 0)
        {
            lock (_text)
            {
                _text.Append(buffer, 0, read);
                if (_text.Length > 2 * _limit)
                {
                    // Drop the front in large steps: amortized O(1) per character.
                    _text.Remove(0, _text.Length - _limit);
                    _cut = true;
                }
            }
        }
    }
}
