using System.Security.Cryptography;
using IdsHalfOpen.Output.Ecs;

namespace IdsHalfOpen.Output.Tests;

public class Sha1BlockTests
{
    [Fact]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Security", "CA5350:Do Not Use Weak Cryptographic Algorithms", Justification = "The platform SHA-1 is the oracle for our own.")]
    public void Hash_EveryLengthUpToOneBlock_MatchesPlatformSha1()
    {
        // Every length from empty to the 55-byte limit (the padding boundary sits at 55/56), many random messages each.
        var random = new Random(1);
        Span<byte> ours = stackalloc byte[Sha1Block.DigestLength];
        for (int length = 0; length <= Sha1Block.MaxLength; length++)
        {
            for (int round = 0; round < 50; round++)
            {
                var message = new byte[length];
                random.NextBytes(message);
                Sha1Block.Hash(message, ours);
                Assert.True(SHA1.HashData(message).AsSpan().SequenceEqual(ours), $"length {length}, round {round}");
            }
        }
    }

    [Fact]
    public void Hash_FipsExampleAbc_KnownDigest()
    {
        // FIPS 180-2 appendix A.1.
        Span<byte> digest = stackalloc byte[Sha1Block.DigestLength];
        Sha1Block.Hash("abc"u8, digest);
        Assert.Equal("A9993E364706816ABA3E25717850C26C9CD0D89D", Convert.ToHexString(digest));
    }

    [Fact]
    public void Hash_LongerThanOneBlock_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Sha1Block.Hash(new byte[Sha1Block.MaxLength + 1], new byte[Sha1Block.DigestLength]));
    }
}
