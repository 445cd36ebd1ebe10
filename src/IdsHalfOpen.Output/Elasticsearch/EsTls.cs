using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace IdsHalfOpen.Output.Elasticsearch;

/// <summary>
/// Server certificate trust, the way Elastic's clients offer it: the system store (default), a CA file (the chain must
/// end at one of its certificates and the host name must match), or a pinned SHA-256 fingerprint of any certificate
/// in the chain (a pin is stronger than a name, so the name is not checked then). With both, either suffices.
/// </summary>
internal sealed class EsTls
{
    private readonly X509Certificate2Collection? _authorities;
    private readonly byte[]? _fingerprint;

    private EsTls(X509Certificate2Collection? authorities, byte[]? fingerprint)
    {
        _authorities = authorities;
        _fingerprint = fingerprint;
    }

    /// <summary>Null when the system's default validation applies.</summary>
    /// <exception cref="ElasticsearchException">The CA file cannot be read.</exception>
    public static EsTls? Create(EsOptions options)
    {
        byte[]? pin = options.CaFingerprint is { } f ? EsOptions.ParseFingerprint(f) : null;
        X509Certificate2Collection? authorities = options.CaFile is { } path ? LoadAuthorities(path, options.RedactedUrl) : null;
        return pin is null && authorities is null ? null : new EsTls(authorities, pin);
    }

    public bool Validate(X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (certificate is null) return false;
        if (_fingerprint is not null && ChainHasFingerprint(certificate, chain)) return true;
        if (_authorities is not null) return ChainsToAuthority(certificate, chain, errors);
        return false;
    }

    private bool ChainHasFingerprint(X509Certificate certificate, X509Chain? chain)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        if (Matches(certificate.GetRawCertData(), hash)) return true;
        if (chain is null) return false;
        foreach (var element in chain.ChainElements)
        {
            if (Matches(element.Certificate.RawData, hash)) return true;
        }

        // The certificates the server sent beyond its own, even those the platform could not place in a chain.
        foreach (var extra in chain.ChainPolicy.ExtraStore)
        {
            if (Matches(extra.RawData, hash)) return true;
        }

        return false;
    }

    private bool Matches(byte[] der, Span<byte> hash)
    {
        SHA256.HashData(der, hash);
        return CryptographicOperations.FixedTimeEquals(hash, _fingerprint);
    }

    private bool ChainsToAuthority(X509Certificate certificate, X509Chain? presented, SslPolicyErrors errors)
    {
        if ((errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0) return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(_authorities!);
        // Private CAs rarely publish revocation lists; Elastic's clients do not check them either.
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (presented is not null)
        {
            chain.ChainPolicy.ExtraStore.AddRange(presented.ChainPolicy.ExtraStore);
            foreach (var element in presented.ChainElements) chain.ChainPolicy.ExtraStore.Add(element.Certificate);
        }

        using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return chain.Build(leaf);
    }

    private static X509Certificate2Collection LoadAuthorities(string path, string target)
    {
        try
        {
            var collection = new X509Certificate2Collection();
            byte[] bytes = File.ReadAllBytes(path);
            if (bytes.AsSpan().IndexOf("-----BEGIN"u8) >= 0) collection.ImportFromPem(System.Text.Encoding.ASCII.GetString(bytes));
            else collection.Add(X509CertificateLoader.LoadCertificate(bytes));
            if (collection.Count == 0) throw new CryptographicException("no certificate in the file");
            return collection;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new ElasticsearchException(EsErrorKind.Configuration, target, $"cannot read the CA file '{path}': {e.Message}", innerException: e);
        }
    }
}
