using System.Numerics;
using System.Runtime.CompilerServices;
using IdsHalfOpen.Decoding;

namespace IdsHalfOpen.Tracking;

/// <summary>
/// The flow index: canonical 4-tuple → slab entry, an open-addressing table with linear probing.
/// </summary>
/// <remarks>
/// It replaces a <c>Dictionary&lt;FlowKey, int&gt;</c>, whose 64-byte entries (key copy, hash, chain) cost one more
/// cache miss per lookup and four times the memory. A slot is 8 bytes: the low 32 bits of the key's hash (the tag)
/// and the entry index + 1 (0 = empty). The key itself lives only in the slab entry, which a lookup reads anyway, and
/// the tag rejects almost every non-matching slot without touching the slab. The table stays at most half full, so a
/// probe is nearly always one cache line; deletion shifts later slots of the run back (no tombstones), so lookups never
/// slow down over time. The hash is seeded per process so that an attacker cannot aim a flood at one probe run.
/// </remarks>
public sealed partial class HandshakeTracker
{
    private const int MinIndexSlots = 8192;

    // Bucket placement only; a per-process random seed keeps hash-flooding attackers from aiming at one run of slots.
    private static readonly ulong s_indexSeed = (ulong)Random.Shared.NextInt64();

    private readonly int _maxIndexSlots;
    private ulong[] _slots;
    private int _slotMask;
    private int _count;

    /// <summary>
    /// Largest table the capacity needs: a power of two at least twice the capacity (load factor ≤ 1/2), at most 2^30
    /// slots (8 GiB; the entries themselves would need 150 GB before the load factor got near 1).
    /// </summary>
    private static int IndexSlotsFor(int entries) =>
        (int)Math.Min(1L << 30, (long)BitOperations.RoundUpToPowerOf2((ulong)Math.Max(MinIndexSlots / 2, entries) * 2));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint IndexHash(in FlowKey key) => key.TableHash(s_indexSeed);

    /// <summary>
    /// <see cref="Process(in TcpPacket, long, long, EventBuffer)"/> for consecutive packets, with the same result, but
    /// overlapping their memory accesses: the index slot of the packet <c>Ahead</c> places on is prefetched, and the slab
    /// entry of the one half as far on (its slot has arrived by then). A table of a million flows does not fit in any
    /// cache, and under a flood nearly every packet waited on two or three cache misses one after the other.
    /// </summary>
    public void ProcessBatch(ReadOnlySpan<TcpPacket> packets, ReadOnlySpan<long> clocks, ReadOnlySpan<long> orders, EventBuffer output)
    {
        const int Ahead = 8;
        int n = packets.Length;

        // Each packet's canonical key and hash are made once, when it is announced, and kept until it is processed.
        Span<Announced> ring = stackalloc Announced[Ahead];
        for (int i = 0; i < Math.Min(Ahead, n); i++) Announce(in packets[i], ref ring[i]);
        for (int i = 0; i < n; i++)
        {
            ref var slot = ref ring[i & (Ahead - 1)];
            var key = slot.Key;
            uint hash = slot.Hash;
            bool sourceIsLow = slot.SourceIsLow;
            if (i + Ahead < n) Announce(in packets[i + Ahead], ref slot);
            if (i + Ahead / 2 < n) PrefetchEntry(ring[(i + Ahead / 2) & (Ahead - 1)].Hash);
            Process(in packets[i], in key, sourceIsLow, hash, clocks[i], orders[i], output);
        }
    }

    private void Announce(in TcpPacket p, ref Announced into)
    {
        into.Key = FlowKey.Create(in p, out into.SourceIsLow);
        into.Hash = IndexHash(in into.Key);
        Prefetch(ref _slots[(int)into.Hash & _slotMask]);
    }

    private struct Announced
    {
        public FlowKey Key;
        public uint Hash;
        public bool SourceIsLow;
    }

    /// <summary>Prefetches the entry the first slot of <paramref name="hash"/>'s run names, when its tag matches.</summary>
    private void PrefetchEntry(uint hash)
    {
        ulong s = _slots[(int)hash & _slotMask];
        if (s != 0 && (uint)(s >> 32) == hash) Prefetch(ref _entries[(int)(uint)s - 1]);
    }

    /// <summary>
    /// After an eviction from wheel tick <paramref name="tick"/>: the next eviction takes the slot's new head, and will
    /// unlink its successor and remove its index slot; start loading both now. The head was just touched (unlinked).
    /// </summary>
    private void PrefetchEvictionCandidate(long tick)
    {
        int head = _slotHead[(int)(tick & (WheelSlots - 1))];
        if (head == NoEntry) return;
        ref Entry e = ref _entries[head];
        Prefetch(ref _slots[(int)e.Hash & _slotMask]);
        if (e.Next != NoEntry) Prefetch(ref _entries[e.Next]);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Prefetch<T>(ref T location) => Memory.CacheHint.Prefetch(ref location);

    /// <summary>The entry index of <paramref name="key"/>, or <see cref="NoEntry"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Find(in FlowKey key, uint hash)
    {
        var slots = _slots;
        int mask = _slotMask;
        int i = (int)hash & mask;
        while (true)
        {
            ulong s = slots[i];
            if (s == 0) return NoEntry;
            if ((uint)(s >> 32) == hash)
            {
                int idx = (int)(uint)s - 1;
                if (_entries[idx].Key.SameAs(in key)) return idx;
            }

            i = (i + 1) & mask;
        }
    }

    /// <summary>Files entry <paramref name="idx"/> (whose key is absent) under <paramref name="hash"/>.</summary>
    private void IndexAdd(uint hash, int idx)
    {
        if ((_count + 1) * 2L > _slots.Length && _slots.Length < _maxIndexSlots) GrowIndex();
        if (_count + 1 >= _slots.Length) throw new InvalidOperationException("the flow index is full");
        Memory.SlotIndex.Add(_slots, _slotMask, hash, idx);
        _count++;
    }

    /// <summary>Removes entry <paramref name="idx"/>, filed under <paramref name="hash"/>, and closes the gap it leaves.</summary>
    private void IndexRemove(uint hash, int idx)
    {
        Memory.SlotIndex.Remove(_slots, _slotMask, hash, idx);
        _count--;
    }

    private void GrowIndex()
    {
        _slots = Memory.SlotIndex.Rehash(_slots, _slots.Length * 2);
        _slotMask = _slots.Length - 1;
    }

    /// <summary>Appends the index of every tracked entry (in no particular order) to <paramref name="into"/>.</summary>
    private void CollectTracked(List<int> into)
    {
        foreach (ulong s in _slots)
        {
            if (s != 0) into.Add((int)(uint)s - 1);
        }
    }
}
