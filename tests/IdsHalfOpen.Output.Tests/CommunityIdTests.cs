using System.Text;
using System.Text.Json;
using IdsHalfOpen.Output.Ecs;
using static IdsHalfOpen.Output.Tests.TestData;

namespace IdsHalfOpen.Output.Tests;

public class CommunityIdTests
{
    public static TheoryData<string, ushort> VectorFiles => new() { { "baseline_deflt.json", 0 }, { "baseline_seed1.json", 1 } };

    /// <summary>
    /// Every TCP (6) entry of the spec's baselines. Also UDP (17) and SCTP (132): same port-based input, so free checks.
    /// Skipped, by name: ICMP (1) and ICMPv6 (58), which need the spec's type/code-to-port mapping we do not implement,
    /// and RSVP (46), which has no ports. The test fails if the files hold anything else.
    /// </summary>
    [Theory]
    [MemberData(nameof(VectorFiles))]
    public void Compute_BaselineVectors_MatchExpected(string file, ushort seed)
    {
        using var json = JsonDocument.Parse(File.ReadAllBytes(System.IO.Path.Combine(IdsHalfOpen.TestKit.RepoPaths.Shared, "vectors", "community-id", file)));
        int tcp = 0, checkedCount = 0;
        var skipped = new SortedSet<int>();
        foreach (var entry in json.RootElement.EnumerateArray())
        {
            int proto = entry.GetProperty("proto").GetInt32();
            if (proto is not (6 or 17 or 132))
            {
                skipped.Add(proto);
                continue;
            }

            var expected = entry.GetProperty("communityid").GetString();
            var actual = CommunityId.Compute(
                Ip(entry.GetProperty("saddr").GetString()!), entry.GetProperty("sport").GetUInt16(),
                Ip(entry.GetProperty("daddr").GetString()!), entry.GetProperty("dport").GetUInt16(),
                (byte)proto, seed);
            Assert.True(expected == actual, $"{file}: {entry} gave {actual}");
            checkedCount++;
            if (proto == 6) tcp++;
        }

        Assert.Equal(4, tcp); // two IPv6 and two IPv4 entries, both directions
        Assert.Equal(8, checkedCount);
        Assert.Equal(new[] { 1, 46, 58 }, skipped);
    }

    [Theory]
    [InlineData("1.2.3.4", 1122, "5.6.7.8", 3344, "1:wCb3OG7yAFWelaUydu0D+125CLM=")]
    [InlineData("5.6.7.8", 3344, "1.2.3.4", 1122, "1:wCb3OG7yAFWelaUydu0D+125CLM=")]
    [InlineData("128.232.110.120", 34855, "66.35.250.204", 80, "1:LQU9qZlK+B5F3KDmev6m5PMibrg=")]
    public void Compute_DesignDocVectors_MatchExpected(string src, ushort sport, string dst, ushort dport, string expected)
    {
        Assert.Equal(expected, CommunityId.Compute(Ip(src), sport, Ip(dst), dport));
    }

    [Fact]
    public void TryFormatUtf8_RandomFlows_EqualsCharFormAndIsDirectionFree()
    {
        var random = new Random(20240501);
        Span<byte> utf8 = stackalloc byte[CommunityId.Length];
        for (int i = 0; i < 2000; i++)
        {
            var a = RandomAddress(random);
            var b = random.Next(4) == 0 ? a : RandomAddress(random, IpText.IsIPv4Mapped(a));
            var pa = (ushort)random.Next(65536);
            var pb = (ushort)random.Next(65536);
            var seed = (ushort)random.Next(3);
            var forward = CommunityId.Compute(a, pa, b, pb, seed: seed);
            Assert.Equal(forward, CommunityId.Compute(b, pb, a, pa, seed: seed));
            Assert.True(CommunityId.TryFormatUtf8(a, pa, b, pb, utf8, out int n, seed: seed));
            Assert.Equal(forward, Encoding.ASCII.GetString(utf8[..n]));
            Assert.Equal(CommunityId.Length, n);
        }
    }

    [Fact]
    public void TryFormat_DestinationTooShort_ReturnsFalse()
    {
        Span<char> chars = stackalloc char[CommunityId.Length - 1];
        Span<byte> bytes = stackalloc byte[CommunityId.Length - 1];
        Assert.False(CommunityId.TryFormat(Ip("1.2.3.4"), 1, Ip("5.6.7.8"), 2, chars, out _));
        Assert.False(CommunityId.TryFormatUtf8(Ip("1.2.3.4"), 1, Ip("5.6.7.8"), 2, bytes, out _));
    }

    [Fact]
    public void Compute_SwappedPortsOnSameAddress_AreOneFlow()
    {
        var host = Ip("10.1.1.1");
        Assert.Equal(CommunityId.Compute(host, 80, host, 5000), CommunityId.Compute(host, 5000, host, 80));
        Assert.NotEqual(CommunityId.Compute(host, 80, host, 5000), CommunityId.Compute(host, 80, host, 5001));
    }

    internal static UInt128 RandomAddress(Random random, bool? ipv4 = null)
    {
        if (ipv4 ?? random.Next(2) == 0) return ((UInt128)0xFFFF << 32) | (uint)random.Next() | ((uint)random.Next(2) << 31);
        Span<byte> bytes = stackalloc byte[16];
        random.NextBytes(bytes);
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt128BigEndian(bytes);
    }
}
