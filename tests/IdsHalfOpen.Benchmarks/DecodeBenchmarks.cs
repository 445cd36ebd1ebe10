using System.Net;
using BenchmarkDotNet.Attributes;
using IdsHalfOpen.Capture;
using IdsHalfOpen.Decoding;
using IdsHalfOpen.TestKit;

namespace IdsHalfOpen.Benchmarks;

/// <summary>
/// Per-frame decode cost for the frame shapes a SYN-flood sensor sees most. The MemoryDiagnoser column must read
/// "-" (0 bytes): the decoder allocates nothing per packet.
/// </summary>
[MemoryDiagnoser]
public class DecodeBenchmarks
{
    private const int FramesPerInvoke = 1024;
    private readonly PacketDecoder _decoder = new();
    private byte[][] _frames = [];

    [Params("ipv4-syn", "ipv4-vlan-synack", "ipv6-ack-data", "sll2-ipv4-rst")]
    public string Shape { get; set; } = "ipv4-syn";

    [GlobalSetup]
    public void Setup()
    {
        var a4 = IPAddress.Parse("198.18.1.2");
        var b4 = IPAddress.Parse("10.0.0.10");
        var a6 = IPAddress.Parse("2001:db8::1");
        var b6 = IPAddress.Parse("2001:db8::10");
        byte[] frame = Shape switch
        {
            "ipv4-syn" => Packets.Ethernet(Packets.IpTcp(a4, b4, 40000, 80, Tf.Syn, 1000, 0, options: Packets.SynOptions()), Packets.EtherTypeIpv4),
            "ipv4-vlan-synack" => Packets.Ethernet(Packets.IpTcp(b4, a4, 80, 40000, Tf.Syn | Tf.Ack, 5000, 1001, options: Packets.SynOptions()), Packets.EtherTypeIpv4, vlans: [100]),
            "ipv6-ack-data" => Packets.Ethernet(Packets.IpTcp(a6, b6, 40000, 443, Tf.Ack | Tf.Psh, 1001, 5001, payload: new byte[512]), Packets.EtherTypeIpv6),
            "sll2-ipv4-rst" => Packets.LinuxSll2(Packets.IpTcp(a4, b4, 40000, 80, Tf.Rst, 1001, 0), Packets.EtherTypeIpv4),
            _ => throw new ArgumentException(Shape),
        };
        _frames = Enumerable.Repeat(frame, FramesPerInvoke).ToArray();
    }

    [Benchmark(OperationsPerInvoke = FramesPerInvoke)]
    public int Decode()
    {
        var link = Shape.StartsWith("sll2", StringComparison.Ordinal) ? LinkType.LinuxSll2 : LinkType.Ethernet;
        int tcp = 0;
        var frames = _frames;
        for (int i = 0; i < frames.Length; i++)
        {
            var f = new RawFrame(frames[i], i, frames[i].Length, link, 0, i + 1);
            if (_decoder.TryDecode(in f, out var p, out _)) tcp += p.SourcePort;
        }

        return tcp;
    }
}
