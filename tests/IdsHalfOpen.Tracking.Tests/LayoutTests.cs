using System.Reflection;
using System.Runtime.CompilerServices;

namespace IdsHalfOpen.Tracking.Tests;

public class LayoutTests
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
}
