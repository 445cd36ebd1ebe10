using IdsHalfOpen.Detection.Engine;

namespace IdsHalfOpen.Detection.Tests.Engine;

public sealed class AddressTableTests
{
    /// <summary>
    /// The engine's alert order follows the table's enumeration order, which must stay the dictionary's it replaced:
    /// a random mix of adds, removes (by key and while enumerating), lookups and prefetches, against a dictionary.
    /// </summary>
    [Theory]
    [InlineData(1, 50)]
    [InlineData(2, 5_000)]
    [InlineData(3, 200_000)]
    public void Operations_RandomMix_MatchDictionaryContentAndOrder(int seed, int pool)
    {
        var random = new Random(seed);
        var table = new AddressTable<SourceStats>();
        var reference = new Dictionary<UInt128, SourceStats>();
        for (int step = 0; step < 300_000; step++)
        {
            // Keys that share their low or high halves, so the hash must mix both.
            int n = random.Next(pool);
            UInt128 key = (step & 1) == 0 ? (UInt128)(ulong)n : (UInt128)(ulong)n << 64 | 0xFFFF;
            int op = random.Next(100);
            uint hash = AddressTable<SourceStats>.HashOf(key);
            table.PrefetchSlot(hash);
            table.PrefetchEntry(hash);
            table.PrefetchValue(hash, key);
            if (op < 50)
            {
                ref var s = ref table.GetValueRefOrNullRef(key);
                if (System.Runtime.CompilerServices.Unsafe.IsNullRef(ref s))
                {
                    Assert.False(reference.ContainsKey(key));
                    s = ref table.Add(key);
                    reference[key] = default;
                }

                s.Embryonic++;
                var r = reference[key];
                r.Embryonic++;
                reference[key] = r;
            }
            else if (op < 85)
            {
                Assert.Equal(reference.Remove(key), table.Remove(key));
            }
            else if (op < 99)
            {
                Assert.Equal(reference.TryGetValue(key, out var expected), table.TryGetValue(key, out var actual));
                Assert.Equal(expected.Embryonic, actual.Embryonic);
            }
            else
            {
                // Removing while enumerating, as the sweep does; the dictionary way: collect, then remove in that order.
                var odd = reference.Where(kv => kv.Value.Embryonic % 2 == 1).Select(kv => kv.Key).ToList();
                foreach (var k in odd) reference.Remove(k);
                for (int i = 0; i < table.Extent; i++)
                {
                    if (table.IsLive(i) && table.ValueAt(i).Embryonic % 2 == 1) table.RemoveAt(i);
                }
            }

            Assert.Equal(reference.Count, table.Count);
        }

        var order = new List<(UInt128, long)>();
        for (int i = 0; i < table.Extent; i++)
        {
            if (table.IsLive(i)) order.Add((table.KeyAt(i), table.ValueAt(i).Embryonic));
        }

        Assert.Equal(reference.Select(kv => (kv.Key, kv.Value.Embryonic)), order);
    }

    [Fact]
    public void GetValueRefOrNullRef_EmptyTable_ReturnsNullRef()
    {
        var table = new AddressTable<SourceStats>();
        table.PrefetchSlot(AddressTable<SourceStats>.HashOf(5));
        table.PrefetchEntry(AddressTable<SourceStats>.HashOf(5));
        table.PrefetchValue(AddressTable<SourceStats>.HashOf(5), 5);
        Assert.True(System.Runtime.CompilerServices.Unsafe.IsNullRef(ref table.GetValueRefOrNullRef(5)));
        Assert.False(table.Remove(5));
        Assert.Equal(0, table.Count);
    }

    [Fact]
    public void PrefetchValue_ObjectValues_LeavesLookupsUnchanged()
    {
        // Objects, null ones included, and keys whose slot is empty or holds another key.
        var table = new AddressTable<string>();
        for (ulong k = 0; k < 1000; k++) table.Add(k) = k % 3 == 0 ? null! : "v" + k;
        for (ulong k = 0; k < 2000; k++)
        {
            uint hash = AddressTable<string>.HashOf(k);
            table.PrefetchSlot(hash);
            table.PrefetchEntry(hash);
            table.PrefetchValue(hash, k);
            Assert.Equal(k < 1000, table.TryGetValue(k, out var v));
            if (k < 1000) Assert.Equal(k % 3 == 0 ? null : "v" + k, v);
        }
    }
}
