using System.Reflection;
using System.Runtime.CompilerServices;

namespace IdsHalfOpen.Tracking.Tests;

public class FlowKeyTests
{
    [Fact]
    public void FlowKey_Size_IsFortyBytesWithoutPadding()
    {
        // Two 16-byte addresses, two ports, the VLAN word: anything more is padding the tracker pays for per entry.
        Assert.Equal(40, Unsafe.SizeOf<FlowKey>());
    }

    [Fact]
    public void TrackerEntry_Size_IsTwoCacheLines()
    {
        // A slab entry is read at random under a flood; at 144 bytes it spanned three or four cache lines, at 128 two or three.
        var entry = typeof(HandshakeTracker).GetNestedType("Entry", BindingFlags.NonPublic);
        Assert.NotNull(entry);
        Assert.True(RuntimeHelpers.SizeOf(entry.TypeHandle) <= 128, $"entry is {RuntimeHelpers.SizeOf(entry.TypeHandle)} bytes");
    }

    [Fact]
    public void FlowKey_BothDirections_SameKeyAndHash()
    {
        UInt128 a = 0xFFFF_0A00_0001, b = (UInt128)0x2001_0db8 << 96 | 7;
        var k1 = FlowKey.Create(a, 1234, b, 80, out bool aIsLow);
        var k2 = FlowKey.Create(b, 80, a, 1234, out bool bIsLow);
        Assert.Equal(k1, k2);
        Assert.True(k1.SameAs(in k2));
        Assert.NotEqual(aIsLow, bIsLow);
        Assert.Equal(k1.Hash(42), k2.Hash(42));
        Assert.Equal(a, k1.LowAddress);
        Assert.Equal(b, k1.HighAddress);
        Assert.False(k1.SameAs(k1 with { Vlan = 5 }));
    }

    [Theory]
    [InlineData(0UL)]
    [InlineData(0x1D54A1F0BE7UL)]
    [InlineData(ulong.MaxValue)]
    public void TableHash_SequentialFlows_SpreadEvenlyOverSlots(ulong seed)
    {
        // A flood's keys differ in a few low bits (spoofed sources in one /16, sequential ports): the low bits of the hash,
        // which pick the slot, must still spread them. 2^20 keys over 2^16 slots: 16 a slot on average.
        var counts = new int[1 << 16];
        UInt128 victim = 0xFFFF_0A00_000AUL;
        for (int i = 0; i < 1 << 20; i++)
        {
            UInt128 source = 0xFFFF_C612_0000UL + (uint)(i >> 4);
            var key = FlowKey.Create(source, (ushort)(1024 + (i & 15)), victim, 80, out _);
            counts[key.TableHash(seed) & 0xFFFF]++;
        }

        // Binomial(2^20, 2^-16): standard deviation 4; a good hash stays well inside mean ± 8 sigma everywhere.
        Assert.InRange(counts.Max(), 16, 16 + 32);
        Assert.InRange(counts.Min(), 0, 16);
        double chiSquare = counts.Sum(c => (c - 16.0) * (c - 16.0) / 16.0);
        Assert.InRange(chiSquare, 65536 * 0.9, 65536 * 1.1);
    }

    [Fact]
    public void TableHash_DifferentSeeds_DifferentPlacement()
    {
        var key = FlowKey.Create(0xFFFF_C612_0001UL, 4000, 0xFFFF_0A00_000AUL, 80, out _);
        Assert.NotEqual(key.TableHash(1), key.TableHash(2));
        Assert.Equal(key.TableHash(1), key.TableHash(1));
    }
}
