using IdsHalfOpen.Capture;
using IdsHalfOpen.Decoding.Checksums;
using IdsHalfOpen.Decoding.Tests.Support;
using IdsHalfOpen.TestKit;

namespace IdsHalfOpen.Decoding.Tests;

public class ChecksumTests
{
    private static byte[] Segment(bool v6, Tf flags, int payload, bool bad)
    {
        var src = v6 ? Addr.V6A : Addr.V4A;
        var dst = v6 ? Addr.V6B : Addr.V4B;
        var tcp = Packets.Tcp(src, dst, 1000, 80, flags, 1, 2, payload: new byte[payload], badChecksum: bad);
        return v6 ? Packets.Ipv6(src, dst, 6, tcp) : Packets.Ipv4(src, dst, 6, tcp);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TryDecode_BadChecksum_PacketReturnedInvalidAndCounted(bool v6)
    {
        var r = Decode.One(Segment(v6, Tf.Syn, 0, bad: true), LinkType.Raw);

        Assert.True(r.Ok);
        Assert.Equal(ChecksumState.Invalid, r.Packet.Checksum);
        Assert.Equal(DecodeEvent.TcpBadChecksum, r.Event);
        Assert.Equal(1, r.Stats[DecodeEvent.TcpBadChecksum]);
        Assert.Equal(1, r.Stats.ChecksumsVerified);
        Assert.Equal(1, r.Stats.Syn);
    }

    [Theory]
    [InlineData(ChecksumPolicy.None, Tf.Syn, 0, ChecksumState.NotVerified)]
    [InlineData(ChecksumPolicy.ControlSegments, Tf.Syn, 0, ChecksumState.Valid)]
    [InlineData(ChecksumPolicy.ControlSegments, Tf.Rst | Tf.Ack, 0, ChecksumState.Valid)]
    [InlineData(ChecksumPolicy.ControlSegments, Tf.Fin | Tf.Ack, 100, ChecksumState.Valid)]
    [InlineData(ChecksumPolicy.ControlSegments, Tf.Ack, 0, ChecksumState.Valid)]
    [InlineData(ChecksumPolicy.ControlSegments, Tf.Ack | Tf.Psh, 100, ChecksumState.NotVerified)]
    [InlineData(ChecksumPolicy.All, Tf.Ack | Tf.Psh, 100, ChecksumState.Valid)]
    [InlineData(ChecksumPolicy.All, Tf.Ack | Tf.Psh, 1461, ChecksumState.Valid)]
    public void TryDecode_Policy_DecidesWhatIsVerified(ChecksumPolicy policy, Tf flags, int payload, ChecksumState expected)
    {
        var r4 = Decode.One(Segment(false, flags, payload, bad: false), LinkType.Raw, checksums: policy);
        var r6 = Decode.One(Segment(true, flags, payload, bad: false), LinkType.Raw, checksums: policy);

        Assert.Equal(expected, r4.Packet.Checksum);
        Assert.Equal(expected, r6.Packet.Checksum);
        Assert.Equal(expected == ChecksumState.NotVerified ? 0 : 1, r4.Stats.ChecksumsVerified);
    }

    [Fact]
    public void TryDecode_BadChecksumOnDataWithControlSegmentsPolicy_NotNoticed()
    {
        var r = Decode.One(Segment(false, Tf.Ack | Tf.Psh, 10, bad: true), LinkType.Raw);

        Assert.True(r.Ok);
        Assert.Equal(ChecksumState.NotVerified, r.Packet.Checksum);
        Assert.Equal(DecodeEvent.None, r.Event);
    }

    [Fact]
    public void InternetChecksum_RandomData_MatchesReference16BitSum()
    {
        var random = new Random(1071);
        for (int length = 0; length < 200; length++)
        {
            var data = new byte[length];
            random.NextBytes(data);
            ulong initial = (ulong)random.Next(0, 0x3FFFF);

            ushort expected = (ushort)~Packets.Checksum(data, (uint)initial);
            Assert.Equal(expected, InternetChecksum.Fold(InternetChecksum.Add(data, initial)));
        }
    }

    [Fact]
    public void InternetChecksum_DataWithItsChecksum_IsValid()
    {
        var header = Packets.Ipv4(Addr.V4A, Addr.V4B, 6, [])[..20];

        Assert.True(InternetChecksum.IsValid(InternetChecksum.Add(header, 0)));
        header[10] ^= 1;
        Assert.False(InternetChecksum.IsValid(InternetChecksum.Add(header, 0)));
    }

    [Fact]
    public void InternetChecksum_AddAddress_SumsFourWords()
    {
        var address = Addr.Of("2001:db8::1:2");
        byte[] bytes = System.Net.IPAddress.Parse("2001:db8::1:2").GetAddressBytes();

        Assert.Equal(InternetChecksum.Fold(InternetChecksum.Add(bytes, 0)), InternetChecksum.Fold(InternetChecksum.AddAddress(address, 0)));
    }
}
