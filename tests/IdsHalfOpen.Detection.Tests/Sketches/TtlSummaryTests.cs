using IdsHalfOpen.Detection.Sketches;

namespace IdsHalfOpen.Detection.Tests.Sketches;

public sealed class TtlSummaryTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 10)]
    [InlineData(3, 300)]
    [InlineData(4, 5_000)]
    public void Add_RandomValues_MatchesReference(int seed, int count)
    {
        var random = new Random(seed);
        var summary = default(TtlSummary);
        var seen = new HashSet<byte>();
        for (var i = 0; i < count; i++)
        {
            var ttl = (byte)(random.Next(3) == 0 ? random.Next(256) : 64 - random.Next(4));
            summary.Add(ttl);
            seen.Add(ttl);
        }

        Assert.Equal(seen.Min(), summary.Min);
        Assert.Equal(seen.Max(), summary.Max);
        Assert.Equal(seen.Count, summary.Distinct);
        Assert.Equal(count, summary.Count);
        for (var ttl = 0; ttl < 256; ttl++)
        {
            Assert.Equal(seen.Contains((byte)ttl), summary.Contains((byte)ttl));
        }
    }

    [Fact]
    public void Add_EveryValue_DistinctIs256()
    {
        var summary = default(TtlSummary);
        for (var ttl = 255; ttl >= 0; ttl--)
        {
            summary.Add((byte)ttl);
        }

        Assert.Equal(256, summary.Distinct);
        Assert.Equal(0, summary.Min);
        Assert.Equal(255, summary.Max);
    }

    [Fact]
    public void Default_IsEmpty()
    {
        var summary = default(TtlSummary);

        Assert.True(summary.IsEmpty);
        Assert.Equal(0, summary.Distinct);
        Assert.Equal(0, summary.Min);
        Assert.Equal(0, summary.Max);
    }

    [Fact]
    public void Merge_TwoSummaries_DescribesBoth()
    {
        var a = default(TtlSummary);
        var b = default(TtlSummary);
        var empty = default(TtlSummary);
        a.Add(100);
        a.Add(120);
        b.Add(30);
        b.Add(120);
        b.Add(250);

        a.Merge(b);
        a.Merge(empty);
        empty.Merge(b);

        Assert.Equal(30, a.Min);
        Assert.Equal(250, a.Max);
        Assert.Equal(4, a.Distinct);
        Assert.Equal(5, a.Count);
        Assert.Equal(b.Min, empty.Min);
        Assert.Equal(b.Max, empty.Max);
        Assert.Equal(b.Distinct, empty.Distinct);
    }

    [Fact]
    public void Clear_AfterAdds_IsEmpty()
    {
        var summary = default(TtlSummary);
        summary.Add(7);
        summary.Clear();
        summary.Add(200);

        Assert.Equal(200, summary.Min);
        Assert.Equal(1, summary.Distinct);
    }
}
