namespace Codomyrmex.Scheduler.Storage;

public sealed partial class InMemoryJobStore
{
    /// <summary>Creates an empty store whose table of names hashes them with <paramref name="nameHash"/>: for tests, names made to collide.</summary>
    /// <param name="options">The clock, history and retention.</param>
    /// <param name="nameHash">The hash of a name.</param>
    internal InMemoryJobStore(InMemoryJobStoreOptions options, Func<string, int> nameHash)
        : this(options) => _names = new NameTable(nameHash);

    /// <summary>
    /// The jobs by exact name: an open-addressing table (linear probing, at most three quarters full) with one slot per
    /// distinct name, holding the name's only job, or a <see cref="SortedEntries"/> by the order added when several jobs share
    /// it. Finding a name costs a hash of it and a probe or two, whatever the number of jobs, where the sorted name index
    /// costs a binary search of string comparisons, each a cache miss among millions of jobs. It holds 11 to 21 bytes per
    /// distinct name, plus 8 to 16 per job of a shared name.
    /// </summary>
    /// <remarks>
    /// The hash is the runtime's ordinal string hash, seeded at random per process, so names cannot be built to collide;
    /// colliding names only make longer probes, never wrong answers (every probe compares the whole name).
    /// </remarks>
    private sealed class NameTable(Func<string, int> hash)
    {
        private readonly Func<string, int> _hash = hash;
        private object?[] _slots = new object?[16];
        private int _shift = 32 - 4;
        private int _count;

        /// <summary>Gets the slot of a name: its only job (an <see cref="Entry"/>), its jobs (a <see cref="SortedEntries"/>), or null.</summary>
        public object? Find(string name)
        {
            object?[] slots = _slots;
            int mask = slots.Length - 1;
            for (int i = SlotOf(name); ; i = (i + 1) & mask)
            {
                object? slot = slots[i];
                if (slot is null || string.Equals(NameOf(slot), name, StringComparison.Ordinal))
                {
                    return slot;
                }
            }
        }

        /// <summary>Lists a job under its name (idempotent).</summary>
        public void Add(Entry entry)
        {
            object?[] slots = _slots;
            int mask = slots.Length - 1;
            int i = SlotOf(entry.Name);
            for (; slots[i] is { } slot; i = (i + 1) & mask)
            {
                if (!string.Equals(NameOf(slot), entry.Name, StringComparison.Ordinal))
                {
                    continue;
                }

                if (slot is SortedEntries group)
                {
                    group.Add(entry);
                }
                else if (!ReferenceEquals(slot, entry))
                {
                    // A second job of the name: the name's jobs become a list by the order added.
                    var same = new SortedEntries(byName: false);
                    same.Add((Entry)slot);
                    same.Add(entry);
                    slots[i] = same;
                }

                return;
            }

            if ((_count + 1) * 4L > slots.Length * 3L)
            {
                Grow();
                Add(entry);
                return;
            }

            slots[i] = entry;
            _count++;
        }

        /// <summary>Takes a job out of its name's slot (idempotent); the job's name must be the one it was listed under.</summary>
        public void Remove(Entry entry)
        {
            object?[] slots = _slots;
            int mask = slots.Length - 1;
            int hole = SlotOf(entry.Name);
            while (true)
            {
                object? slot = slots[hole];
                if (slot is null)
                {
                    return;
                }

                if (string.Equals(NameOf(slot), entry.Name, StringComparison.Ordinal))
                {
                    if (slot is SortedEntries group)
                    {
                        group.Remove(entry);
                        if (group.Count > 1)
                        {
                            return;
                        }

                        // One job left (or none): it takes the slot back, as if it had always been alone.
                        Entry? last = group.Count == 1 ? group.From(0).First() : null;
                        if (last is not null)
                        {
                            slots[hole] = last;
                            return;
                        }
                    }
                    else if (!ReferenceEquals(slot, entry))
                    {
                        return;
                    }

                    break;
                }

                hole = (hole + 1) & mask;
            }

            // Backward shift: move up every later slot of the run that may live in the hole, so no search stops early.
            for (int i = (hole + 1) & mask; slots[i] is { } next; i = (i + 1) & mask)
            {
                int home = SlotOf(NameOf(next));
                if (((i - home) & mask) >= ((i - hole) & mask))
                {
                    slots[hole] = next;
                    hole = i;
                }
            }

            slots[hole] = null;
            _count--;
        }

        private static string NameOf(object slot) => slot is Entry entry ? entry.Name : ((SortedEntries)slot).First!.Name;

        /// <summary>The slot a name starts its search at: the high bits of a Fibonacci hash of its hash code.</summary>
        private int SlotOf(string name) => (int)(((uint)_hash(name) * 0x9E3779B9U) >> _shift);

        private void Grow()
        {
            object?[] old = _slots;
            var slots = new object?[old.Length * 2];
            _shift--;
            int mask = slots.Length - 1;
            foreach (object? slot in old)
            {
                if (slot is not null)
                {
                    int i = SlotOf(NameOf(slot));
                    while (slots[i] is not null)
                    {
                        i = (i + 1) & mask;
                    }

                    slots[i] = slot;
                }
            }

            _slots = slots;
        }
    }
}
