using System.Buffers.Binary;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace IdsHalfOpen.Output.Spool;

/// <summary>
/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of iSCSI, ext4 and SCTP. System.IO.Hashing is
/// not part of the shared framework, so this is our own: the SSE4.2 / ARMv8 CRC32C instruction where the CPU has one,
/// a slicing-by-8 table otherwise. Both give identical results (tested).
/// </summary>
internal static class Crc32C
{
    /// <summary>The running state to start from; <see cref="Finish"/> turns a state into the checksum.</summary>
    public const uint Seed = 0xFFFF_FFFFu;

    private const uint ReflectedPolynomial = 0x82F6_3B78u;

    // Tables[k][b]: CRC state contribution of byte b followed by k zero bytes (slicing-by-8).
    private static readonly uint[] Tables = BuildTables();

    /// <summary>Checksum of one contiguous buffer.</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => Finish(Update(Seed, data));

    public static uint Finish(uint state) => ~state;

    /// <summary>Continues a running state over more data (state from <see cref="Seed"/> or an earlier Update).</summary>
    public static uint Update(uint state, ReadOnlySpan<byte> data)
    {
        if (Sse42.X64.IsSupported) return UpdateSse42X64(state, data);
        if (Crc32.Arm64.IsSupported) return UpdateArm64(state, data);
        return UpdateSoftware(state, data);
    }

    internal static uint UpdateSoftware(uint state, ReadOnlySpan<byte> data)
    {
        uint[] t = Tables;
        while (data.Length >= 8)
        {
            uint low = BinaryPrimitives.ReadUInt32LittleEndian(data) ^ state;
            uint high = BinaryPrimitives.ReadUInt32LittleEndian(data[4..]);
            state = t[(7 * 256) + (low & 0xFF)] ^ t[(6 * 256) + ((low >> 8) & 0xFF)] ^
                    t[(5 * 256) + ((low >> 16) & 0xFF)] ^ t[(4 * 256) + (low >> 24)] ^
                    t[(3 * 256) + (high & 0xFF)] ^ t[(2 * 256) + ((high >> 8) & 0xFF)] ^
                    t[(1 * 256) + ((high >> 16) & 0xFF)] ^ t[high >> 24];
            data = data[8..];
        }

        foreach (byte b in data)
            state = t[(state ^ b) & 0xFF] ^ (state >> 8);
        return state;
    }

    private static uint UpdateSse42X64(uint state, ReadOnlySpan<byte> data)
    {
        ulong wide = state;
        while (data.Length >= 8)
        {
            wide = Sse42.X64.Crc32(wide, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }

        uint narrow = (uint)wide;
        foreach (byte b in data)
            narrow = Sse42.Crc32(narrow, b);
        return narrow;
    }

    private static uint UpdateArm64(uint state, ReadOnlySpan<byte> data)
    {
        while (data.Length >= 8)
        {
            state = Crc32.Arm64.ComputeCrc32C(state, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }

        foreach (byte b in data)
            state = Crc32.ComputeCrc32C(state, b);
        return state;
    }

    private static uint[] BuildTables()
    {
        var t = new uint[8 * 256];
        for (uint b = 0; b < 256; b++)
        {
            uint c = b;
            for (int k = 0; k < 8; k++)
                c = (c & 1) != 0 ? (c >> 1) ^ ReflectedPolynomial : c >> 1;
            t[b] = c;
        }

        for (int slice = 1; slice < 8; slice++)
        {
            for (int b = 0; b < 256; b++)
            {
                uint previous = t[((slice - 1) * 256) + b];
                t[(slice * 256) + b] = t[previous & 0xFF] ^ (previous >> 8);
            }
        }

        return t;
    }
}
