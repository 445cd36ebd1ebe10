using System.Text;
using IdsHalfOpen.Output.Spool;

namespace IdsHalfOpen.Output.Tests.Spool;

public sealed class Crc32CTests
{
    // RFC 3720 (iSCSI) appendix B.4 vectors and the usual "123456789" check value.
    [Theory]
    [InlineData("123456789", 0xE3069283u)]
    [InlineData("", 0x00000000u)]
    [InlineData("a", 0xC1D04330u)]
    public void Compute_KnownText_GivesPublishedCheckValue(string text, uint expected)
    {
        Assert.Equal(expected, Crc32C.Compute(Encoding.ASCII.GetBytes(text)));
        Assert.Equal(expected, Crc32C.Finish(Crc32C.UpdateSoftware(Crc32C.Seed, Encoding.ASCII.GetBytes(text))));
    }

    [Fact]
    public void Compute_Rfc3720Vectors_GivesPublishedValues()
    {
        var zeros = new byte[32];
        var ones = Enumerable.Repeat((byte)0xFF, 32).ToArray();
        var ascending = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
        var descending = Enumerable.Range(0, 32).Select(i => (byte)(31 - i)).ToArray();
        Assert.Equal(0x8A9136AAu, Crc32C.Compute(zeros));
        Assert.Equal(0x62A8AB43u, Crc32C.Compute(ones));
        Assert.Equal(0x46DD794Eu, Crc32C.Compute(ascending));
        Assert.Equal(0x113FDB5Cu, Crc32C.Compute(descending));
    }

    [Fact]
    public void Update_RandomDataInRandomPieces_MatchesBitwiseReferenceInBothImplementations()
    {
        var random = new Random(3720);
        for (int round = 0; round < 300; round++)
        {
            var data = new byte[random.Next(0, 300)];
            random.NextBytes(data);
            uint expected = Bitwise(data);

            uint accelerated = Crc32C.Seed;
            uint software = Crc32C.Seed;
            int position = 0;
            while (position < data.Length)
            {
                int piece = random.Next(1, data.Length - position + 1);
                accelerated = Crc32C.Update(accelerated, data.AsSpan(position, piece));
                software = Crc32C.UpdateSoftware(software, data.AsSpan(position, piece));
                position += piece;
            }

            Assert.Equal(expected, Crc32C.Finish(accelerated));
            Assert.Equal(expected, Crc32C.Finish(software));
        }
    }

    private static uint Bitwise(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
        }

        return ~crc;
    }
}
