namespace IdsHalfOpen.TestKit.Scenarios;

/// <summary>
/// Merges time-ordered packet streams into one time-ordered stream, lazily, so a generator can produce millions of
/// packets while holding only the streams that are still open. Ties keep the order in which streams were admitted.
/// </summary>
public static class ScenarioStream
{
    /// <summary>Merges a fixed set of time-ordered streams.</summary>
    public static IEnumerable<ScenarioPacket> Merge(params IEnumerable<ScenarioPacket>[] streams) => MergeOrdered(streams, requireOrderedStarts: false);

    /// <summary>Merges the packets of flows given in order of their first packet; each flow's packets are sorted by time first.</summary>
    public static IEnumerable<ScenarioPacket> MergeFlows(IEnumerable<TcpFlow> flowsByStart) =>
        MergeOrdered(flowsByStart.Select(f => (IEnumerable<ScenarioPacket>)f.Packets.OrderBy(p => p.TimestampNs).ToList()), requireOrderedStarts: true);

    /// <summary>
    /// Merges streams that arrive lazily. With <paramref name="requireOrderedStarts"/> each stream's first packet must be no
    /// earlier than the previous stream's first packet (so a stream is pulled only when its time comes); otherwise all
    /// streams are opened at once.
    /// </summary>
    public static IEnumerable<ScenarioPacket> MergeOrdered(IEnumerable<IEnumerable<ScenarioPacket>> streams, bool requireOrderedStarts)
    {
        var heap = new PriorityQueue<Cursor, (long Time, long Order)>();
        long order = 0;
        using var outer = streams.GetEnumerator();
        Cursor? pending = null;
        long lastStart = long.MinValue;

        bool FetchPending()
        {
            while (outer.MoveNext())
            {
                var e = outer.Current.GetEnumerator();
                if (!e.MoveNext())
                {
                    e.Dispose();
                    continue;
                }

                if (requireOrderedStarts && e.Current.TimestampNs < lastStart)
                    throw new InvalidOperationException($"stream {order} starts at {e.Current.TimestampNs}, before the previous stream's start {lastStart}");
                lastStart = e.Current.TimestampNs;
                pending = new Cursor(e, order++);
                return true;
            }

            pending = null;
            return false;
        }

        try
        {
            if (!requireOrderedStarts)
            {
                while (FetchPending()) heap.Enqueue(pending!, (pending!.Enumerator.Current.TimestampNs, pending.Order));
            }
            else
            {
                FetchPending();
            }

            long last = long.MinValue;
            while (true)
            {
                while (pending is not null && (heap.Count == 0 || pending.Enumerator.Current.TimestampNs <= heap.Peek().Enumerator.Current.TimestampNs))
                {
                    heap.Enqueue(pending, (pending.Enumerator.Current.TimestampNs, pending.Order));
                    FetchPending();
                }

                if (heap.Count == 0) yield break;
                var c = heap.Dequeue();
                var packet = c.Enumerator.Current;
                if (packet.TimestampNs < last) throw new InvalidOperationException($"stream {c.Order} goes back in time ({packet.TimestampNs} < {last})");
                last = packet.TimestampNs;
                yield return packet;
                if (c.Enumerator.MoveNext())
                {
                    if (c.Enumerator.Current.TimestampNs < packet.TimestampNs)
                        throw new InvalidOperationException($"stream {c.Order} is not time-ordered");
                    heap.Enqueue(c, (c.Enumerator.Current.TimestampNs, c.Order));
                }
                else
                {
                    c.Enumerator.Dispose();
                }
            }
        }
        finally
        {
            pending?.Enumerator.Dispose();
            while (heap.Count > 0) heap.Dequeue().Enumerator.Dispose();
        }
    }

    private sealed class Cursor(IEnumerator<ScenarioPacket> enumerator, long order)
    {
        public IEnumerator<ScenarioPacket> Enumerator { get; } = enumerator;
        public long Order { get; } = order;
    }
}
