namespace IdsHalfOpen.Tracking.Memory;

/// <summary>
/// The slot array shared by the tracker's flow index and the engine's source table: open addressing with linear probing,
/// a slot is 8 bytes (32-bit hash tag &lt;&lt; 32 | entry + 1, 0 = empty), deletion by backward shift (no tombstones).
/// </summary>
public static class SlotIndex
{
    /// <summary>Files <paramref name="entry"/> under <paramref name="hash"/> in the first free slot of its run.</summary>
    public static void Add(ulong[] slots, int mask, uint hash, int entry)
    {
        int i = (int)hash & mask;
        while (slots[i] != 0) i = (i + 1) & mask;
        slots[i] = ((ulong)hash << 32) | (uint)(entry + 1);
    }

    /// <summary>Removes the slot of <paramref name="entry"/> (which must be filed under <paramref name="hash"/>) and closes the gap.</summary>
    public static void Remove(ulong[] slots, int mask, uint hash, int entry)
    {
        ulong wanted = ((ulong)hash << 32) | (uint)(entry + 1);
        int i = (int)hash & mask;
        while (slots[i] != wanted) i = (i + 1) & mask;

        // Backward-shift deletion: move each later slot of the run whose home is at or before the hole into it.
        int hole = i;
        while (true)
        {
            i = (i + 1) & mask;
            ulong s = slots[i];
            if (s == 0) break;
            int home = (int)(s >> 32) & mask;
            // The slot may move to the hole when its home is not in the (cyclic) range (hole, i].
            if (((i - home) & mask) >= ((i - hole) & mask))
            {
                slots[hole] = s;
                hole = i;
            }
        }

        slots[hole] = 0;
    }

    /// <summary>A table of <paramref name="length"/> slots (a power of two) holding every slot of <paramref name="old"/>.</summary>
    public static ulong[] Rehash(ulong[] old, int length)
    {
        var slots = new ulong[length];
        int mask = length - 1;
        foreach (ulong s in old)
        {
            if (s == 0) continue;
            int i = (int)(s >> 32) & mask;
            while (slots[i] != 0) i = (i + 1) & mask;
            slots[i] = s;
        }

        return slots;
    }
}
