using System.Numerics;
using System.Runtime.CompilerServices;

namespace IdsHalfOpen.Detection.Sketches;

/// <summary>
/// Top-k heavy hitters with fixed capacity k (Space-Saving, Metwally, Agrawal and El Abbadi 2005), weighted.
/// </summary>
/// <remarks>
/// Guarantees, with N = <see cref="TotalCount"/>: each monitored key's true count lies in [count − error, count];
/// every error is at most <see cref="MinCount"/>, itself at most N/k; every key whose true count exceeds
/// <see cref="MinCount"/> is monitored.
/// Implementation: the paper's stream-summary over arrays. Counters with equal counts share a bucket; buckets form a
/// list in ascending count order, and a linear-probing index maps keys to counters. A unit offer moves its counter
/// one bucket up: O(1). A weighted offer walks past the buckets between the old and new count (at most k, usually
/// none). When full, the counter evicted is the one that has been at the minimum count the longest (each bucket is
/// FIFO), so the outcome depends only on the sequence of offers; <see cref="CopyTop(Span{TopEntry{TKey}})"/> orders
/// by count descending then key ascending. Nothing allocates after construction.
/// Keys must be unmanaged values with value equality; ordering ties needs <see cref="IComparable{T}"/>.
/// </remarks>
public sealed class SpaceSaving<TKey>
    where TKey : unmanaged, IEquatable<TKey>, IComparable<TKey>
{
    private const int None = -1;

    private readonly int _capacity;

    // Counters: key, error bound, key hash, owning bucket and links within the bucket.
    private readonly TKey[] _keys;
    private readonly long[] _errors;
    private readonly ulong[] _hashes;
    private readonly int[] _bucketOf;
    private readonly int[] _nextInBucket;
    private readonly int[] _previousInBucket;

    // Buckets: count value, first/last counter, neighbours in ascending count order. Each live bucket holds at least
    // one counter, so k buckets suffice; free ones are stacked in _freeBuckets.
    private readonly long[] _bucketCount;
    private readonly int[] _bucketHead;
    private readonly int[] _bucketTail;
    private readonly int[] _bucketNext;
    private readonly int[] _bucketPrevious;
    private readonly int[] _freeBuckets;
    private int _freeBucketCount;
    private int _minBucket = None;

    // Open-addressing index: counter + 1, 0 = empty. Load at most 1/2.
    private readonly int[] _index;
    private readonly int _indexMask;

    // Scratch for CopyTop.
    private readonly int[] _order;
    private readonly long[] _orderCounts;

    private int _size;
    private long _total;

    // The counter the last offer went to (valid while below _size): a lookup shortcut only, never a result.
    private int _lastCounter;

    public SpaceSaving(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(capacity, 1 << 24);
        _capacity = capacity;
        _keys = new TKey[capacity];
        _errors = new long[capacity];
        _hashes = new ulong[capacity];
        _bucketOf = new int[capacity];
        _nextInBucket = new int[capacity];
        _previousInBucket = new int[capacity];
        _bucketCount = new long[capacity];
        _bucketHead = new int[capacity];
        _bucketTail = new int[capacity];
        _bucketNext = new int[capacity];
        _bucketPrevious = new int[capacity];
        _freeBuckets = new int[capacity];
        _order = new int[capacity];
        _orderCounts = new long[capacity];
        var indexSize = (int)BitOperations.RoundUpToPowerOf2((uint)capacity * 2);
        _index = new int[indexSize];
        _indexMask = indexSize - 1;
        ResetBuckets();
    }

    public int Capacity => _capacity;

    /// <summary>Number of keys monitored (at most <see cref="Capacity"/>).</summary>
    public int Count => _size;

    /// <summary>Sum of all offered counts (N).</summary>
    public long TotalCount => _total;

    /// <summary>
    /// Smallest monitored count once full (0 before): an upper bound on the true count of any key not monitored and
    /// on every error.
    /// </summary>
    public long MinCount => _size < _capacity ? 0 : _bucketCount[_minBucket];

    /// <summary>Counts <paramref name="count"/> (&gt; 0) occurrences of <paramref name="key"/>.</summary>
    public void Offer(TKey key, long count = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        _total += count;

        // The same key again (one port takes a flood's every SYN): no hashing, no probing.
        var last = _lastCounter;
        if (last < _size && _keys[last].Equals(key))
        {
            Increment(last, count);
            return;
        }

        var hash = KeyHash<TKey>.Hash(key);
        var position = (int)hash & _indexMask;
        while (true)
        {
            var entry = _index[position];
            if (entry == 0)
            {
                break;
            }

            if (_keys[entry - 1].Equals(key))
            {
                _lastCounter = entry - 1;
                Increment(entry - 1, count);
                return;
            }

            position = (position + 1) & _indexMask;
        }

        if (_size < _capacity)
        {
            var counter = _size++;
            _keys[counter] = key;
            _hashes[counter] = hash;
            _errors[counter] = 0;
            _index[position] = counter + 1;
            _lastCounter = counter;
            PlaceNew(counter, count);
            return;
        }

        // Replace the longest-standing minimum: the newcomer inherits its count as the error bound.
        var victim = _bucketHead[_minBucket];
        RemoveFromIndex(victim);
        _keys[victim] = key;
        _hashes[victim] = hash;
        _errors[victim] = _bucketCount[_minBucket];
        InsertIntoIndex(victim, hash);
        _lastCounter = victim;
        Increment(victim, count);
    }

    /// <summary>Looks a key up: its estimated count (an upper bound) and error (count − error is a lower bound).</summary>
    public bool TryGetCount(TKey key, out long count, out long error)
    {
        var position = (int)KeyHash<TKey>.Hash(key) & _indexMask;
        while (true)
        {
            var entry = _index[position];
            if (entry == 0)
            {
                count = 0;
                error = 0;
                return false;
            }

            if (_keys[entry - 1].Equals(key))
            {
                count = _bucketCount[_bucketOf[entry - 1]];
                error = _errors[entry - 1];
                return true;
            }

            position = (position + 1) & _indexMask;
        }
    }

    /// <summary>
    /// Writes up to <c>destination.Length</c> monitored keys, by count descending then key ascending; returns how many.
    /// </summary>
    public int CopyTop(Span<TopEntry<TKey>> destination) => CopyTop(destination, []);

    /// <summary>
    /// As <see cref="CopyTop(Span{TopEntry{TKey}})"/>, also writing each entry's error bound to
    /// <paramref name="errors"/> (as far as it is long enough): the entry's true count is at least count − error.
    /// </summary>
    public int CopyTop(Span<TopEntry<TKey>> destination, Span<long> errors)
    {
        var written = Math.Min(destination.Length, _size);
        if (written == 0)
        {
            return 0;
        }

        var order = _order.AsSpan(0, _size);
        for (var i = 0; i < order.Length; i++)
        {
            order[i] = i;
            _orderCounts[i] = _bucketCount[_bucketOf[i]];
        }

        SortTop(order);
        for (var i = 0; i < written; i++)
        {
            var counter = order[i];
            destination[i] = new TopEntry<TKey>(_keys[counter], _orderCounts[counter]);
            if (i < errors.Length)
            {
                errors[i] = _errors[counter];
            }
        }

        return written;
    }

    public void Clear()
    {
        Array.Clear(_index);
        _size = 0;
        _lastCounter = 0;
        _total = 0;
        ResetBuckets();
    }

    private void ResetBuckets()
    {
        _minBucket = None;
        _freeBucketCount = _capacity;
        for (var i = 0; i < _capacity; i++)
        {
            // Popped from the end: bucket 0 is used first.
            _freeBuckets[i] = _capacity - 1 - i;
        }
    }

    // Moves a counter up by `count`: into the bucket holding the new value, creating it when missing.
    private void Increment(int counter, long count)
    {
        var bucket = _bucketOf[counter];
        var value = _bucketCount[bucket] + count;
        var after = bucket;
        int next;
        while ((next = _bucketNext[after]) != None && _bucketCount[next] < value)
        {
            after = next;
        }

        if (next != None && _bucketCount[next] == value)
        {
            Detach(counter);
            Append(next, counter);
            return;
        }

        if (after == bucket && _bucketHead[bucket] == _bucketTail[bucket])
        {
            // Alone, and no bucket lies between the old and new value: relabel in place.
            _bucketCount[bucket] = value;
            return;
        }

        // Here the old bucket is either not `after` or keeps other counters, so `after` stays linked.
        Detach(counter);
        Append(NewBucketAfter(after, value), counter);
    }

    private void PlaceNew(int counter, long value)
    {
        var after = None;
        var next = _minBucket;
        while (next != None && _bucketCount[next] < value)
        {
            after = next;
            next = _bucketNext[next];
        }

        var bucket = next != None && _bucketCount[next] == value ? next : NewBucketAfter(after, value);
        Append(bucket, counter);
    }

    private int NewBucketAfter(int after, long value)
    {
        var bucket = _freeBuckets[--_freeBucketCount];
        _bucketCount[bucket] = value;
        _bucketHead[bucket] = None;
        _bucketTail[bucket] = None;
        _bucketPrevious[bucket] = after;
        var next = after == None ? _minBucket : _bucketNext[after];
        _bucketNext[bucket] = next;
        if (next != None)
        {
            _bucketPrevious[next] = bucket;
        }

        if (after == None)
        {
            _minBucket = bucket;
        }
        else
        {
            _bucketNext[after] = bucket;
        }

        return bucket;
    }

    private void Append(int bucket, int counter)
    {
        _bucketOf[counter] = bucket;
        var tail = _bucketTail[bucket];
        _previousInBucket[counter] = tail;
        _nextInBucket[counter] = None;
        if (tail == None)
        {
            _bucketHead[bucket] = counter;
        }
        else
        {
            _nextInBucket[tail] = counter;
        }

        _bucketTail[bucket] = counter;
    }

    // Unlinks a counter from its bucket, releasing the bucket when it empties.
    private void Detach(int counter)
    {
        var bucket = _bucketOf[counter];
        var previous = _previousInBucket[counter];
        var next = _nextInBucket[counter];
        if (previous == None)
        {
            _bucketHead[bucket] = next;
        }
        else
        {
            _nextInBucket[previous] = next;
        }

        if (next == None)
        {
            _bucketTail[bucket] = previous;
        }
        else
        {
            _previousInBucket[next] = previous;
        }

        if (_bucketHead[bucket] != None)
        {
            return;
        }

        var before = _bucketPrevious[bucket];
        var after = _bucketNext[bucket];
        if (before == None)
        {
            _minBucket = after;
        }
        else
        {
            _bucketNext[before] = after;
        }

        if (after != None)
        {
            _bucketPrevious[after] = before;
        }

        _freeBuckets[_freeBucketCount++] = bucket;
    }

    private void InsertIntoIndex(int counter, ulong hash)
    {
        var position = (int)hash & _indexMask;
        while (_index[position] != 0)
        {
            position = (position + 1) & _indexMask;
        }

        _index[position] = counter + 1;
    }

    // Backward-shift deletion keeps probe chains intact without tombstones.
    private void RemoveFromIndex(int counter)
    {
        var mask = _indexMask;
        var hole = (int)_hashes[counter] & mask;
        while (_index[hole] != counter + 1)
        {
            hole = (hole + 1) & mask;
        }

        var next = hole;
        while (true)
        {
            next = (next + 1) & mask;
            var entry = _index[next];
            if (entry == 0)
            {
                break;
            }

            var home = (int)_hashes[entry - 1] & mask;
            // The entry may move back into the hole unless its home lies cyclically in (hole, next].
            if (((next - home) & mask) >= ((next - hole) & mask))
            {
                _index[hole] = entry;
                hole = next;
            }
        }

        _index[hole] = 0;
    }

    // Heapsort (MemoryExtensions.Sort would box a struct comparer): in place, no allocation, O(k log k).
    private void SortTop(Span<int> order)
    {
        for (var root = (order.Length / 2) - 1; root >= 0; root--)
        {
            SiftDown(order, root, order.Length);
        }

        for (var end = order.Length - 1; end > 0; end--)
        {
            (order[0], order[end]) = (order[end], order[0]);
            SiftDown(order, 0, end);
        }
    }

    // Max-heap on the output order: the root is the counter that must come last.
    private void SiftDown(Span<int> heap, int position, int length)
    {
        var item = heap[position];
        while (true)
        {
            var child = (2 * position) + 1;
            if (child >= length)
            {
                break;
            }

            if (child + 1 < length && ComesBefore(heap[child], heap[child + 1]))
            {
                child++;
            }

            if (!ComesBefore(item, heap[child]))
            {
                break;
            }

            heap[position] = heap[child];
            position = child;
        }

        heap[position] = item;
    }

    // Count descending, then key ascending: a total order, as keys are distinct.
    private bool ComesBefore(int x, int y)
    {
        var countX = _orderCounts[x];
        var countY = _orderCounts[y];
        return countX != countY ? countX > countY : _keys[x].CompareTo(_keys[y]) < 0;
    }
}

/// <summary>Hashing of unmanaged keys for the sketches' internal indexes, where it decides probe lengths, never results.</summary>
internal static class KeyHash<TKey>
    where TKey : unmanaged, IEquatable<TKey>
{
    // Integer-like types have no padding and equal values have equal bytes (not so for floating point: 0.0 and -0.0),
    // so their bytes can be hashed; anything else falls back to GetHashCode, which may be randomised per process but
    // affects only probe lengths, never results.
    private static readonly bool s_bytesAreIdentity =
        (typeof(TKey).IsPrimitive && typeof(TKey) != typeof(float) && typeof(TKey) != typeof(double))
        || typeof(TKey).IsEnum || typeof(TKey) == typeof(UInt128) || typeof(TKey) == typeof(Int128);

    private const ulong Golden = 0x9E3779B97F4A7C15UL;
    private const ulong Odd = 0xD6E8FEB86659FD93UL;

    /// <summary>
    /// One multiply and a fold of its high bits into the low ones (which pick the slot): ample spread for an index of a
    /// few hundred slots, and a fraction of the cost of a full-avalanche finaliser on every offer.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Hash(TKey key)
    {
        ulong x;
        if (s_bytesAreIdentity && Unsafe.SizeOf<TKey>() == 16)
        {
            var wide = Unsafe.As<TKey, UInt128>(ref key);
            x = (ulong)wide ^ ((ulong)(wide >> 64) * Odd);
        }
        else if (s_bytesAreIdentity && Unsafe.SizeOf<TKey>() <= 8)
        {
            x = Unsafe.SizeOf<TKey>() switch
            {
                1 => Unsafe.As<TKey, byte>(ref key),
                2 => Unsafe.As<TKey, ushort>(ref key),
                4 => Unsafe.As<TKey, uint>(ref key),
                _ => Unsafe.As<TKey, ulong>(ref key),
            };
        }
        else
        {
            x = (ulong)(uint)key.GetHashCode();
        }

        x *= Golden;
        return x ^ (x >> 29) ^ (x >> 47);
    }
}
