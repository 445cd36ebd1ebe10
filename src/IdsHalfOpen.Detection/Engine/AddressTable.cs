using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;
using IdsHalfOpen.Tracking.Memory;

namespace IdsHalfOpen.Detection.Engine;

/// <summary>
/// Statistics keyed by address (the engine's per-source and per-host tables): what <c>Dictionary&lt;UInt128, TValue&gt;</c>
/// did, plus prefetching (<see cref="PrefetchSlot"/>, <see cref="PrefetchEntry"/>, <see cref="PrefetchValue"/>).
/// </summary>
/// <remarks>
/// Under a spoofed flood the source table holds hundreds of thousands of sources, and backscatter spreads over tens of
/// thousands of receiving hosts; nearly every lookup missed the cache twice (bucket, then entry), one after the other, and
/// it was the detection thread's largest cost. Here the engine names the addresses of the next events ahead of time, so
/// their slots and entries are on their way when the events arrive.
/// <para>
/// The enumeration order is the dictionary's exactly, because the engine's evaluation and sweep walk the table in it and
/// that decides which alerts come first: entries are dense in insertion order, and a removed entry's position is reused
/// by the next insertion, the most recently freed first. The index beside them is open addressing with linear probing,
/// at most half full, 8 bytes a slot (32-bit hash tag, entry + 1), with backward-shift deletion: the same design as the
/// tracker's flow index.
/// </para>
/// </remarks>
internal sealed class AddressTable<TValue>
{
    private const int InUse = int.MinValue;
    private const int NoFree = -1;

    private static readonly ulong s_seed = (ulong)Random.Shared.NextInt64();

    private Entry[] _entries = new Entry[64];
    private ulong[] _slots = new ulong[128];
    private int _mask = 127;
    private int _used;     // entries ever used: [0, _used) are in use or free
    private int _freeHead = NoFree;
    private int _count;

    public int Count => _count;

    /// <summary>Positions of the entries in enumeration order go from 0 to below this; see <see cref="IsLive"/>.</summary>
    public int Extent => _used;

    public bool IsLive(int position) => _entries[position].Next == InUse;

    public UInt128 KeyAt(int position) => _entries[position].Key;

    public ref TValue ValueAt(int position) => ref _entries[position].Value;

    public ref TValue GetValueRefOrNullRef(UInt128 key)
    {
        int idx = Find(key, Hash(key));
        if (idx < 0) return ref Unsafe.NullRef<TValue>();
        return ref _entries[idx].Value;
    }

    public bool TryGetValue(UInt128 key, [MaybeNullWhen(false)] out TValue value)
    {
        int idx = Find(key, Hash(key));
        value = idx < 0 ? default! : _entries[idx].Value;
        return idx >= 0;
    }

    /// <summary>Adds <paramref name="key"/> (which must be absent) with a default value and returns a reference to it.</summary>
    public ref TValue Add(UInt128 key)
    {
        uint hash = Hash(key);
        if ((_count + 1) * 2L > _slots.Length) GrowIndex();
        int idx;
        if (_freeHead != NoFree)
        {
            idx = _freeHead;
            _freeHead = _entries[idx].Next;
        }
        else
        {
            if (_used == _entries.Length) GrowEntries();
            idx = _used++;
        }

        ref Entry e = ref _entries[idx];
        e.Key = key;
        e.Value = default!;
        e.Hash = hash;
        e.Next = InUse;
        SlotIndex.Add(_slots, _mask, hash, idx);
        _count++;
        return ref e.Value;
    }

    public bool Remove(UInt128 key)
    {
        int idx = Find(key, Hash(key));
        if (idx < 0) return false;
        RemoveAt(idx);
        return true;
    }

    /// <summary>Removes the live entry at <paramref name="position"/>; enumeration may go on past it.</summary>
    public void RemoveAt(int position)
    {
        ref Entry e = ref _entries[position];
        SlotIndex.Remove(_slots, _mask, e.Hash, position);
        e.Next = _freeHead;
        _freeHead = position;
        _count--;
    }

    /// <summary>The hash the prefetch steps take (computed once for all three).</summary>
    public static uint HashOf(UInt128 key) => Hash(key);

    /// <summary>A hint that a key of <paramref name="hash"/> will be looked up soon: starts loading its index slot.</summary>
    public void PrefetchSlot(uint hash)
    {
        if (Sse.IsSupported) CacheHint.Prefetch(ref _slots[(int)hash & _mask]);
    }

    /// <summary>After <see cref="PrefetchSlot"/> (its line should have arrived): starts loading the entry the slot names.</summary>
    public void PrefetchEntry(uint hash)
    {
        if (!Sse.IsSupported) return;
        ulong s = _slots[(int)hash & _mask];
        if (s != 0 && (uint)(s >> 32) == hash) CacheHint.Prefetch(ref _entries[(int)(uint)s - 1]);
    }

    /// <summary>
    /// After <see cref="PrefetchEntry"/>: when the value is an object, starts loading it (the lookup's third dependent
    /// miss). Nothing for a value stored in the entry.
    /// </summary>
    public void PrefetchValue(uint hash, UInt128 key)
    {
        if (!Sse.IsSupported || typeof(TValue).IsValueType) return;
        ulong s = _slots[(int)hash & _mask];
        if (s == 0 || (uint)(s >> 32) != hash) return;
        ref Entry e = ref _entries[(int)(uint)s - 1];
        if (e.Key == key && Unsafe.As<TValue, RawObject?>(ref e.Value) is { } o) CacheHint.Prefetch(ref o.FirstField);
    }

    /// <summary>Stands for any object, to take a reference to its first field (the line after the header).</summary>
    private sealed class RawObject
    {
        public byte FirstField;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Hash(UInt128 key)
    {
        // Seeded per process so that an attacker cannot aim spoofed sources at one run of slots; the enumeration order
        // does not depend on it.
        ulong h = ((ulong)key ^ s_seed) * 0x9E3779B97F4A7C15UL;
        h = (h ^ (ulong)(key >> 64) ^ (h >> 29)) * 0xBF58476D1CE4E5B9UL;
        return (uint)(h ^ (h >> 32));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Find(UInt128 key, uint hash)
    {
        var slots = _slots;
        int mask = _mask;
        int i = (int)hash & mask;
        while (true)
        {
            ulong s = slots[i];
            if (s == 0) return -1;
            if ((uint)(s >> 32) == hash)
            {
                int idx = (int)(uint)s - 1;
                if (_entries[idx].Key == key) return idx;
            }

            i = (i + 1) & mask;
        }
    }

    private void GrowEntries()
    {
        var bigger = GC.AllocateUninitializedArray<Entry>(_entries.Length * 2);
        _entries.AsSpan(0, _used).CopyTo(bigger);
        _entries = bigger;
    }

    private void GrowIndex()
    {
        _slots = SlotIndex.Rehash(_slots, _slots.Length * 2);
        _mask = _slots.Length - 1;
    }

    private struct Entry
    {
        public UInt128 Key;
        public TValue Value;
        public uint Hash;
        /// <summary><see cref="InUse"/>, or the next free position (<see cref="NoFree"/> at the end of the free list).</summary>
        public int Next;
    }
}
