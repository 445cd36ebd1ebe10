using System.Runtime.CompilerServices;

namespace IdsHalfOpen.Tracking;

/// <summary>
/// A growable, reusable list of <see cref="TrackerEvent"/>s. A shard fills one per epoch and the detection stage hands it
/// back after merging, so in steady state no event costs an allocation.
/// </summary>
public sealed class EventBuffer
{
    private TrackerEvent[] _items;

    public EventBuffer(int capacity = 1024) => _items = new TrackerEvent[Math.Max(16, capacity)];

    public int Count { get; private set; }

    /// <summary>Epoch this buffer belongs to (set by the shard).</summary>
    public long Epoch { get; set; }

    public ReadOnlySpan<TrackerEvent> Events => _items.AsSpan(0, Count);

    public ref TrackerEvent this[int index] => ref _items[index];

    /// <summary>Appends a zeroed event and returns a reference to fill in place.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref TrackerEvent Add()
    {
        if (Count == _items.Length) Array.Resize(ref _items, _items.Length * 2);
        ref var e = ref _items[Count++];
        e = default;
        return ref e;
    }

    public void Clear() => Count = 0;
}
