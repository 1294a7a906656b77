namespace Codomyrmex.Scheduler.Storage;

public sealed partial class InMemoryJobStore
{
    /// <summary>
    /// The jobs by their 64-bit id: an open-addressing table of entry references (linear probing, the entry's own key
    /// compared), at most three quarters full. It holds 11 to 21 bytes per job where a <c>Dictionary&lt;ulong, Entry&gt;</c>
    /// holds 28 to 56 (a key, a value, a hash, a link and a bucket per slot), which matters at millions of pending jobs.
    /// </summary>
    private sealed class KeyTable
    {
        private Entry?[] _slots = new Entry?[16];
        private int _shift = 64 - 4;
        private int _count;

        public int Count => _count;

        /// <summary>Gets every entry, in no particular order; the table must not change while it is read.</summary>
        public IEnumerable<Entry> Values
        {
            get
            {
                foreach (Entry? entry in _slots)
                {
                    if (entry is not null)
                    {
                        yield return entry;
                    }
                }
            }
        }

        public Entry? Find(ulong key)
        {
            Entry?[] slots = _slots;
            int mask = slots.Length - 1;
            for (int i = SlotOf(key); ; i = (i + 1) & mask)
            {
                Entry? entry = slots[i];
                if (entry is null || entry.Key == key)
                {
                    return entry;
                }
            }
        }

        /// <summary>Adds an entry whose key the table does not hold (the caller has looked).</summary>
        public void Add(Entry entry)
        {
            if ((_count + 1) * 4L > _slots.Length * 3L)
            {
                Grow();
            }

            Place(_slots, entry);
            _count++;
        }

        public bool Remove(ulong key)
        {
            Entry?[] slots = _slots;
            int mask = slots.Length - 1;
            int hole = SlotOf(key);
            while (true)
            {
                Entry? entry = slots[hole];
                if (entry is null)
                {
                    return false;
                }

                if (entry.Key == key)
                {
                    break;
                }

                hole = (hole + 1) & mask;
            }

            // Backward shift: move up every later entry of the run that may live in the hole, so no search stops early.
            for (int i = (hole + 1) & mask; slots[i] is { } next; i = (i + 1) & mask)
            {
                int home = SlotOf(next.Key);
                if (((i - home) & mask) >= ((i - hole) & mask))
                {
                    slots[hole] = next;
                    hole = i;
                }
            }

            slots[hole] = null;
            _count--;
            return true;
        }

        /// <summary>The slot a key starts its search at: the high bits of a Fibonacci hash, so keys that differ only in their high bits spread too.</summary>
        private int SlotOf(ulong key) => (int)((key * 0x9E3779B97F4A7C15UL) >> _shift);

        private void Place(Entry?[] slots, Entry entry)
        {
            int mask = slots.Length - 1;
            int i = SlotOf(entry.Key);
            while (slots[i] is not null)
            {
                i = (i + 1) & mask;
            }

            slots[i] = entry;
        }

        private void Grow()
        {
            Entry?[] old = _slots;
            var slots = new Entry?[old.Length * 2];
            _shift--;
            foreach (Entry? entry in old)
            {
                if (entry is not null)
                {
                    Place(slots, entry);
                }
            }

            _slots = slots;
        }
    }
}
