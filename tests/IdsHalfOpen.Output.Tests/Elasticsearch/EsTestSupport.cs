using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IdsHalfOpen.Detection;
using IdsHalfOpen.Output.Ecs;
using IdsHalfOpen.Output.Elasticsearch;
using IdsHalfOpen.Tracking;

namespace IdsHalfOpen.Output.Tests.Elasticsearch;

internal static class EsTestSupport
{
    /// <summary>Fast settings so retries and batching happen within a test's time.</summary>
    public static EsOptions Options(Uri url, string? deadLetters = null) => new()
    {
        Url = url.ToString(),
        BatchSize = 50,
        FlushInterval = TimeSpan.FromMilliseconds(20),
        BackoffInitial = TimeSpan.FromMilliseconds(10),
        BackoffMax = TimeSpan.FromMilliseconds(150),
        RequestTimeout = TimeSpan.FromSeconds(5),
        DeadLetterPath = deadLetters,
    };

    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    /// <summary><paramref name="count"/> distinct alerts (distinct document ids), all lifecycle phases and both families.</summary>
    public static List<AlertEvent> Alerts(int count, int seed = 7)
    {
        var random = new Random(seed);
        var alerts = new List<AlertEvent>(count);
        for (int i = 0; i < count; i++)
        {
            var phase = (AlertPhase)(i % 3);
            bool v6 = i % 5 == 0;
            var victim = v6 ? TestData.Ip($"2001:db8::{i % 65000:x}") : TestData.Ip($"10.{i / 65536 % 256}.{i / 256 % 256}.{i % 256}");
            alerts.Add(TestData.FloodAlert(phase, sequence: i % 7) with
            {
                AttackId = $"syn-flood-victim/{i}/{TestData.T0 + i}",
                TimestampNs = TestData.T0 + (i * 1_000_000L) + random.Next(1000),
                StartNs = TestData.T0 + i,
                DestinationIp = victim,
                TopSources = v6 ? [new(TestData.Ip("2001:db8::1"), 10)] : [new(TestData.Ip("192.0.2.1"), 500), new(TestData.Ip("198.51.100.7"), 3)],
                Message = i % 2 == 0 ? null : "flood " + i.ToString(System.Globalization.CultureInfo.InvariantCulture),
            });
        }

        return alerts;
    }

    public static List<ConnectionRecord> Connections(int count)
    {
        var outcomes = Enum.GetValues<AttemptOutcome>();
        var records = new List<ConnectionRecord>(count);
        for (int i = 0; i < count; i++)
        {
            records.Add(TestData.Connection(outcomes[i % outcomes.Length]) with
            {
                StartNs = TestData.T0 + (i * 1000L),
                ClientPort = (ushort)(1024 + (i % 60000)),
                ClientIsn = (uint)i * 2654435761u,
                ServerIsn = i % 3 == 0 ? null : (uint)i,
                Vlan = (ushort)(i % 2 == 0 ? 0 : 100),
            });
        }

        return records;
    }

    public static EsShipper Shipper(EsConnection connection, IDeliveryQueue queue, List<string>? log = null) =>
        new(connection, queue, new AlertDocumentWriter(TestData.Sensor), new ConnectionDocumentWriter(TestData.Sensor), log is null ? null : (level, message) =>
        {
            lock (log) log.Add($"{level}: {message}");
        });

    /// <summary>A self-signed server certificate (also its own CA) for 127.0.0.1 and localhost, or for another name; its key usable by Kestrel.</summary>
    public static X509Certificate2 SelfSignedCertificate(string subject = "CN=fake-elasticsearch", bool loopbackNames = true)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        if (loopbackNames)
        {
            names.AddIpAddress(System.Net.IPAddress.Loopback);
            names.AddDnsName("localhost");
        }
        else
        {
            names.AddDnsName("elsewhere.example");
        }

        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyCertSign, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        // Round-trip through PKCS#12 so the private key is a persisted one SslStream accepts on every platform.
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
    }

    public static string TempPath(string name) => Path.Combine(Path.GetTempPath(), $"ids-es-{Environment.ProcessId}-{Guid.NewGuid():N}-{name}");
}
