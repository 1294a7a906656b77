using System.Collections.Concurrent;
using System.Text;
using Npgsql;

namespace Codomyrmex.Scheduler.PostgreSql;

/// <summary>
/// What the database's encoding can hold. A key the database cannot hold is in no row, so a lookup by it answers "not found"
/// without sending it (the server would refuse it); text it cannot hold that a run leaves behind is recorded with those
/// characters replaced, rather than not at all.
/// </summary>
public sealed partial class PostgreSqlJobStore
{
    /// <summary>The most characters whose fate <see cref="_heldRunes"/> keeps before it starts again.</summary>
    private const int MaxHeldRunes = 4096;

    /// <summary>
    /// The database's encoding (<c>server_encoding</c>), read when the store opens: a database's encoding never changes. UTF8
    /// until then; every member opens the store before it looks at it.
    /// </summary>
    private string _serverEncoding = "UTF8";

    /// <summary>Whether the database holds a character past ASCII, as the server answered, on an encoding this store does not know.</summary>
    private readonly ConcurrentDictionary<int, bool> _heldRunes = new();

    /// <summary>
    /// Whether the database can hold <paramref name="key"/>, a text a caller passes only to find something (a job's id, a run's
    /// id, a node's instance id): when it cannot, no row has it and the lookup answers "not found" without sending it.
    /// </summary>
    /// <remarks>
    /// No text column holds U+0000, and half a surrogate pair has no UTF-8 form (Npgsql refuses to send it, throwing an
    /// <see cref="EncoderFallbackException"/>). Past that, a UTF8 database holds every character, SQL_ASCII stores the bytes it is sent, LATIN1
    /// holds U+0000-U+00FF, and every server encoding holds ASCII; on any other encoding the server is asked, once per character.
    /// </remarks>
    private async ValueTask<bool> HoldsAsync(string key, CancellationToken cancellationToken)
    {
        if (HasNul(key) || HasLoneSurrogate(key))
        {
            return false;
        }

        if (Ascii.IsValid(key))
        {
            return true;
        }

        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        foreach (Rune rune in key.EnumerateRunes())
        {
            if (!await HoldsAsync(rune, cancellationToken).ConfigureAwait(false))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// The keys for a statement's array, each as given, or <see langword="null"/> where the database cannot hold it
    /// (<see cref="HoldsAsync(string, CancellationToken)"/>): a NULL element equals nothing, so it matches no row.
    /// </summary>
    private async ValueTask<string?[]> KeysAsync<T>(IReadOnlyList<T> items, Func<T, string> key, CancellationToken cancellationToken)
    {
        var keys = new string?[items.Count];
        for (int i = 0; i < keys.Length; i++)
        {
            string value = key(items[i]);
            keys[i] = await HoldsAsync(value, cancellationToken).ConfigureAwait(false) ? value : null;
        }

        return keys;
    }

    /// <summary>
    /// <paramref name="text"/> as the database can hold it: each character it cannot hold replaced, by <c>?</c>, or with
    /// <paramref name="json"/> by its JSON escapes (<c>\uXXXX</c>), which mean the same character in a JSON text (such a
    /// character, past ASCII, is only ever inside a JSON string). The text itself when the database holds all of it.
    /// </summary>
    private async ValueTask<string?> HeldTextAsync(string? text, bool json, CancellationToken cancellationToken)
    {
        if (text is null || Ascii.IsValid(text))
        {
            return text;
        }

        StringBuilder? held = null;
        int start = 0;
        foreach (Rune rune in text.EnumerateRunes())
        {
            int length = rune.Utf16SequenceLength;
            if (!rune.IsAscii && !await HoldsAsync(rune, cancellationToken).ConfigureAwait(false))
            {
                held ??= new StringBuilder(text.Length + 16).Append(text, 0, start);
                if (!json)
                {
                    held.Append('?');
                }
                else
                {
                    for (int unit = start; unit < start + length; unit++)
                    {
                        held.Append("\\u").Append(((int)text[unit]).ToString("X4", System.Globalization.CultureInfo.InvariantCulture));
                    }
                }
            }
            else
            {
                held?.Append(text, start, length);
            }

            start += length;
        }

        return held?.ToString() ?? text;
    }

    /// <summary>Whether the database holds a character (see <see cref="HoldsAsync(string, CancellationToken)"/>); the store is open.</summary>
    private ValueTask<bool> HoldsAsync(Rune rune, CancellationToken cancellationToken) => _serverEncoding switch
    {
        _ when rune.IsAscii => ValueTask.FromResult(true),
        "UTF8" or "SQL_ASCII" => ValueTask.FromResult(true),
        "LATIN1" => ValueTask.FromResult(rune.Value <= 0xFF),
        _ => AskServerAsync(rune, cancellationToken),
    };

    /// <summary>Asks the server whether its encoding holds a character: it refuses a parameter it cannot convert (22P05).</summary>
    private async ValueTask<bool> AskServerAsync(Rune rune, CancellationToken cancellationToken)
    {
        if (_heldRunes.TryGetValue(rune.Value, out bool held))
        {
            return held;
        }

        held = await ReadAsync(async store =>
        {
            using NpgsqlCommand probe = store.Command("SELECT @text");
            probe.Parameters.Add(new NpgsqlParameter<string>("text", rune.ToString()));
            try
            {
                await probe.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UntranslatableCharacter)
            {
                return false;
            }
        }, cancellationToken).ConfigureAwait(false);
        if (_heldRunes.Count >= MaxHeldRunes)
        {
            _heldRunes.Clear();
        }

        _heldRunes[rune.Value] = held;
        return held;
    }
}
