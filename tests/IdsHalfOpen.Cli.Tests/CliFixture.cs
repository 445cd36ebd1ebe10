using System.Net;
using IdsHalfOpen.Capture;
using IdsHalfOpen.Cli.Commands;
using IdsHalfOpen.Cli.Replay;
using IdsHalfOpen.Detection.Rules;
using IdsHalfOpen.TestKit;

namespace IdsHalfOpen.Cli.Tests;

/// <summary>Writes small captures into a temp folder and runs the replay command in-process with captured output.</summary>
internal sealed class CliFixture : IDisposable
{
    public const long T0 = 1_763_800_000_000_000_000;

    public CliFixture() => Directory.CreateDirectory(Dir);

    public string Dir { get; } = Path.Combine(Path.GetTempPath(), "idshalfopen-cli-" + Guid.NewGuid().ToString("N"));

    public string Path_(string name) => Path.Combine(Dir, name);

    /// <summary>A capture of <paramref name="connections"/> complete handshakes plus a spoofed flood of <paramref name="floodSyns"/> answered SYNs.</summary>
    public string WriteMix(string name, int connections, int floodSyns, int seed = 1)
    {
        var path = Path_(name);
        using var fs = File.Create(path);
        using var w = new PcapWriter(fs, LinkType.Ethernet);
        foreach (var (ts, frame) in Mix(connections, floodSyns, seed)) w.Write(ts, frame);
        return path;
    }

    public static IEnumerable<(long Ts, byte[] Frame)> Mix(int connections, int floodSyns, int seed)
    {
        var rng = new Random(seed);
        var server = IPAddress.Parse("10.0.0.20");
        var victim = IPAddress.Parse("10.0.0.10");
        var frames = new List<(long, byte[])>();
        byte[] Eth(byte[] ip) => Packets.Ethernet(ip, Packets.EtherTypeIpv4);
        for (int i = 0; i < connections; i++)
        {
            long t = T0 + i * 10_000_000L;
            var client = IPAddress.Parse($"192.0.2.{1 + i % 200}");
            ushort port = (ushort)(20000 + i % 40000);
            uint isn = (uint)rng.Next();
            frames.Add((t, Eth(Packets.IpTcp(client, server, port, 443, Tf.Syn, isn, 0, options: Packets.SynOptions()))));
            frames.Add((t + 1_000_000, Eth(Packets.IpTcp(server, client, 443, port, Tf.Syn | Tf.Ack, 900, isn + 1, options: Packets.SynOptions()))));
            frames.Add((t + 2_000_000, Eth(Packets.IpTcp(client, server, port, 443, Tf.Ack, isn + 1, 901))));
            frames.Add((t + 3_000_000, Eth(Packets.IpTcp(client, server, port, 443, Tf.Fin | Tf.Ack, isn + 1, 901))));
            frames.Add((t + 4_000_000, Eth(Packets.IpTcp(server, client, 443, port, Tf.Fin | Tf.Ack, 901, isn + 2))));
        }

        for (int i = 0; i < floodSyns; i++)
        {
            long t = T0 + 2_000_000_000L + i * 500_000L;
            var src = new IPAddress([198, (byte)(18 + rng.Next(2)), (byte)rng.Next(256), (byte)rng.Next(256)]);
            ushort port = (ushort)rng.Next(1024, 65535);
            uint isn = (uint)rng.Next();
            frames.Add((t, Eth(Packets.IpTcp(src, victim, port, 80, Tf.Syn, isn, 0, ttl: (byte)rng.Next(40, 60)))));
            frames.Add((t + 100_000, Eth(Packets.IpTcp(victim, src, 80, port, Tf.Syn | Tf.Ack, (uint)rng.Next(), isn + 1))));
        }

        frames.Sort((a, b) => a.Item1.CompareTo(b.Item1));
        return frames;
    }

    public sealed record Result(int ExitCode, string Out, string Err, string StdoutStream);

    public static Result Replay(IEnumerable<string> files, int shards = 2, string? statsJson = null, string? alerts = null, string? connLog = null, RuleSet? rules = null, int? maxEntries = null,
        ReplayPresentation? presentation = null)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        using var stream = new MemoryStream();
        var options = new ReplayOptions
        {
            Shards = shards,
            Rules = rules ?? RuleSet.Default,
            AlertsPath = alerts,
            ConnLogPath = connLog,
            SensorName = "test-sensor",
            Tracker = maxEntries is { } cap ? new IdsHalfOpen.Tracking.TrackerOptions { MaxEntries = cap } : new IdsHalfOpen.Tracking.TrackerOptions(),
        };
        int code = ReplayCommand.Run([.. files.Select(f => new FileInfo(f))], statsJson is null ? null : new FileInfo(statsJson), options, stdout, stderr, stream, CancellationToken.None, presentation);
        return new Result(code, stdout.ToString(), stderr.ToString(), System.Text.Encoding.UTF8.GetString(stream.ToArray()));
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
