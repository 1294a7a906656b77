namespace Codomyrmex.Scheduler.Storage;

public sealed partial class InMemoryJobStore
{
    /// <summary>
    /// The jobs by their 64-bit id: an open-addressing table (linear probing, at most 13/16 full) whose slots hold no
    /// references, each a 32-bit tag of the key's hash and the entry's place in a directory of fixed-size chunks, which is
    /// filled in order. It holds 18 to 28 bytes per job (8 per slot, 8 per directory place).
    /// </summary>
    /// <remarks>
    /// <para>
    /// A new job's entry is young and the table is old: a table of references would have the runtime's collector scan, at
    /// every young collection, the parts of the table where new entries landed, which are spread over the whole table by the
    /// hash (a third of a 16 MB table at a million jobs). The directory is written in order, so new entries land in a few
    /// places next to each other. The tag also answers most probes without reading an entry (a miss of the processor's
    /// caches at millions of jobs): a search for a key the table does not hold (every new job's check) reads no entry, and
    /// growing the table reads only the slots, since a slot's place follows from its tag. Since a probe past another key's
    /// slot costs no entry read, the table fills further than a table of references would before it doubles.
    /// </para>
    /// <para>
    /// The slot a key starts at is the high bits of a Fibonacci hash of it, whose top 32 bits are the tag, so keys that differ
    /// only in their high bits spread too. Keys that share a tag (made so on purpose, since the hash has no secret) only make
    /// longer probes, never wrong answers: a tag that matches is checked against the entry's whole key.
    /// </para>
    /// </remarks>
    private sealed class KeyTable
    {
        /// <summary>A directory chunk holds 2^12 places: 32 KB, small enough to stay off the large object heap.</summary>
        private const int ChunkBits = 12;
        private const int ChunkMask = (1 << ChunkBits) - 1;

        /// <summary>0 for an empty slot, else the tag in the high half and the directory place plus one in the low half.</summary>
        private ulong[] _slots = new ulong[16];
        private int _bits = 4;
        private int _count;
        private Entry?[][] _chunks = [];

        /// <summary>The next directory place never used.</summary>
        private int _next;

        /// <summary>Directory places freed by removals, taken again before new ones.</summary>
        private int[] _free = [];
        private int _freeCount;

        public int Count => _count;

        /// <summary>Gets every entry, in the directory's order (mostly the order added); the table must not change while it is read.</summary>
        public IEnumerable<Entry> Values
        {
            get
            {
                for (int place = 0; place < _next; place++)
                {
                    if (_chunks[place >> ChunkBits][place & ChunkMask] is { } entry)
                    {
                        yield return entry;
                    }
                }
            }
        }

        public Entry? Find(ulong key)
        {
            uint tag = TagOf(key);
            ulong[] slots = _slots;
            int mask = slots.Length - 1;
            for (int i = SlotOf(tag); ; i = (i + 1) & mask)
            {
                ulong slot = slots[i];
                if (slot == 0)
                {
                    return null;
                }

                if ((uint)(slot >> 32) == tag && At(slot) is { } entry && entry.Key == key)
                {
                    return entry;
                }
            }
        }

        /// <summary>Adds an entry whose key the table does not hold (the caller has looked).</summary>
        public void Add(Entry entry)
        {
            if ((_count + 1) * 16L > _slots.Length * 13L)
            {
                Grow();
            }

            int place = TakePlace();
            _chunks[place >> ChunkBits][place & ChunkMask] = entry;
            uint tag = TagOf(entry.Key);
            Place(_slots, SlotOf(tag), ((ulong)tag << 32) | (uint)(place + 1));
            _count++;
        }

        public bool Remove(ulong key)
        {
            uint tag = TagOf(key);
            ulong[] slots = _slots;
            int mask = slots.Length - 1;
            int hole = SlotOf(tag);
            while (true)
            {
                ulong slot = slots[hole];
                if (slot == 0)
                {
                    return false;
                }

                if ((uint)(slot >> 32) == tag && At(slot) is { } entry && entry.Key == key)
                {
                    FreePlace((int)(uint)slot - 1);
                    break;
                }

                hole = (hole + 1) & mask;
            }

            // Backward shift: move up every later slot of the run that may live in the hole, so no search stops early.
            for (int i = (hole + 1) & mask; slots[i] is var next && next != 0; i = (i + 1) & mask)
            {
                int home = SlotOf((uint)(next >> 32));
                if (((i - home) & mask) >= ((i - hole) & mask))
                {
                    slots[hole] = next;
                    hole = i;
                }
            }

            slots[hole] = 0;
            _count--;
            return true;
        }

        /// <summary>The tag of a key: the top 32 bits of its Fibonacci hash.</summary>
        private static uint TagOf(ulong key) => (uint)((key * 0x9E3779B97F4A7C15UL) >> 32);

        private static void Place(ulong[] slots, int i, ulong value)
        {
            int mask = slots.Length - 1;
            while (slots[i] != 0)
            {
                i = (i + 1) & mask;
            }

            slots[i] = value;
        }

        /// <summary>The slot a tag starts its search at in a table of 2^<see cref="_bits"/> slots: the tag's high bits.</summary>
        private int SlotOf(uint tag) => (int)(tag >> (32 - _bits));

        private Entry? At(ulong slot)
        {
            int place = (int)(uint)slot - 1;
            return _chunks[place >> ChunkBits][place & ChunkMask];
        }

        private int TakePlace()
        {
            if (_freeCount > 0)
            {
                return _free[--_freeCount];
            }

            int place = _next++;
            if ((place & ChunkMask) == 0 && place >> ChunkBits == _chunks.Length)
            {
                // A new chunk; the list of chunks doubles (8 bytes per 4,096 jobs).
                Array.Resize(ref _chunks, Math.Max(4, _chunks.Length * 2));
            }

            if (_chunks[place >> ChunkBits] is null)
            {
                _chunks[place >> ChunkBits] = new Entry?[1 << ChunkBits];
            }

            return place;
        }

        private void FreePlace(int place)
        {
            _chunks[place >> ChunkBits][place & ChunkMask] = null;
            if (_freeCount == _free.Length)
            {
                Array.Resize(ref _free, Math.Max(16, _free.Length * 2));
            }

            _free[_freeCount++] = place;
        }

        private void Grow()
        {
            ulong[] old = _slots;
            var slots = new ulong[old.Length * 2];
            _bits++;
            foreach (ulong slot in old)
            {
                if (slot != 0)
                {
                    Place(slots, SlotOf((uint)(slot >> 32)), slot);
                }
            }

            _slots = slots;
        }
    }
}
