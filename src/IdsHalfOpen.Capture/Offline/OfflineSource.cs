using System.Buffers.Binary;
using System.IO.Compression;

namespace IdsHalfOpen.Capture.Offline;

/// <summary>
/// Opens capture files: classic pcap (either byte order, µs or ns) or pcapng, plain or gzip-compressed.
/// The format comes from the magic number, never from the file name.
/// </summary>
/// <remarks>
/// <para>Every input goes through one pooled buffer (see <see cref="CaptureBuffer"/> for why plain files are not
/// memory-mapped); <see cref="RawFrame.Data"/> is valid until the next Read.</para>
/// <para>Damage after the header never throws: Read returns EndOfStream with <see cref="IPacketSource.Problem"/> set
/// (TruncatedRecord when the file ends inside a record, CorruptRecord for an impossible record header), after every
/// earlier record was delivered. Offsets are byte offsets in the decompressed data for gzip files.</para>
/// <para>Limits: a record's captured length may be up to max(snaplen, 262144) with the header's snaplen capped at
/// 16 MiB; pcapng section and interface blocks up to 1 MiB; options after a packet's data up to 1 MiB. A wire length
/// below the captured length is reported as the captured length.</para>
/// <para>pcapng specifics: interfaces restart with each section; timestamps honour if_tsresol (10^-n and 2^-n,
/// sub-nanosecond parts truncated) and if_tsoffset; simple packet blocks (interface 0, no timestamp) carry the
/// previous packet's timestamp, or 0 before any; frame numbers count packet blocks only (EPB, SPB, OPB), as tshark
/// does; other blocks are skipped by their length after checking it.</para>
/// </remarks>
public static class OfflineSource
{
    private const uint PcapMicro = 0xA1B2C3D4;
    private const uint PcapNano = 0xA1B23C4D;
    private const uint PcapngSection = 0x0A0D0D0A;

    /// <summary>
    /// Opens a capture file: classic pcap or pcapng, optionally gzip-compressed; the format is recognised by its
    /// magic number, never by the extension. Throws <see cref="CaptureException"/> (message names the file and the
    /// byte offset) when the file is missing, unreadable, not a capture, or its file/section header is corrupt.
    /// </summary>
    public static IPacketSource Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        FileStream file;
        try
        {
            file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0, FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            throw new CaptureException($"{path}: cannot open capture file: {e.Message} (at byte offset 0)", e);
        }

        try
        {
            Span<byte> magic = stackalloc byte[4];
            int got = ReadUpTo(file, magic);
            if (got >= 2 && magic[0] == 0x1F && magic[1] == 0x8B)
            {
                var compressed = new PrefixedStream(magic[..got].ToArray(), new BufferedStream(file, 1 << 16), leaveOpen: false);
                var gzip = new GZipStream(compressed, CompressionMode.Decompress, leaveOpen: false);
                var gzipReader = OpenBuffer(CaptureBuffer.FromStream(gzip, leaveOpen: false), path, isGzip: true);
                gzipReader.SetFile(file, file.CanSeek ? file.Length : -1, compressed: true);
                return gzipReader;
            }

            if (got < 4) throw TooShort(path, got, false);

            // A regular file is read again from its start; pipes, character devices and the like cannot seek, so the
            // sniffed bytes go back in front of them.
            bool seekable = file.CanSeek;
            CaptureBuffer buffer;
            if (seekable)
            {
                file.Position = 0;
                buffer = CaptureBuffer.FromStream(file, leaveOpen: false);
            }
            else
            {
                buffer = CaptureBuffer.FromStream(new PrefixedStream(magic[..got].ToArray(), file, leaveOpen: false), leaveOpen: false);
            }

            var reader = OpenBuffer(buffer, path, isGzip: false);
            reader.SetFile(file, seekable ? file.Length : -1, compressed: false);
            return reader;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            file.Dispose();
            throw new CaptureException($"{path}: cannot read capture file: {e.Message} (at byte offset 0)", e);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Reads a capture from a stream (tests, pipes); same formats and errors as <see cref="Open(string)"/>, with
    /// <paramref name="name"/> standing for the file in messages. The stream is read forward only.
    /// </summary>
    public static IPacketSource Open(Stream stream, string name, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(name);
        if (!stream.CanRead) throw new ArgumentException("the stream must be readable", nameof(stream));

        // Sniff through a small array: the bytes go back in front of the stream, which may not seek.
        var head = new byte[2];
        int got;
        try
        {
            got = ReadUpTo(stream, head);
        }
        catch (IOException e)
        {
            if (!leaveOpen) stream.Dispose();
            throw new CaptureException($"{name}: cannot read capture: {e.Message} (at byte offset 0)", e);
        }

        Stream input = new PrefixedStream(head[..got], stream, leaveOpen);
        bool isGzip = got == 2 && head[0] == 0x1F && head[1] == 0x8B;
        if (isGzip) input = new GZipStream(input, CompressionMode.Decompress, leaveOpen: false);
        return OpenBuffer(CaptureBuffer.FromStream(input, leaveOpen: false), name, isGzip);
    }

    /// <summary>Sniffs the magic at the start of the (decompressed) bytes and builds the matching reader.</summary>
    private static OfflineReader OpenBuffer(CaptureBuffer buffer, string name, bool isGzip)
    {
        try
        {
            if (!buffer.Ensure(4))
            {
                if (buffer.Failure is not null) throw HeaderError(name, buffer.Position + buffer.Buffered, isGzip, "cannot read the file header", buffer.Failure);
                throw TooShort(name, (int)buffer.Buffered, isGzip);
            }

            var head = buffer.Peek(4);
            uint magic = BinaryPrimitives.ReadUInt32LittleEndian(head);
            uint swapped = BinaryPrimitives.ReverseEndianness(magic);
            if (magic is PcapMicro or PcapNano || swapped is PcapMicro or PcapNano) return PcapReader.Open(buffer, name, isGzip);
            if (magic == PcapngSection) return PcapngReader.Open(buffer, name, isGzip);
            throw HeaderError(name, 0, isGzip,
                $"not a pcap or pcapng capture: magic bytes {Convert.ToHexString(head)} (expected D4C3B2A1, A1B2C3D4, 4D3CB2A1, A1B23C4D or 0A0D0D0A)", null);
        }
        catch
        {
            buffer.Dispose();
            throw;
        }
    }

    internal static CaptureException HeaderError(string name, long offset, bool isGzip, string what, Exception? inner)
    {
        string where = isGzip ? $"at byte offset {offset} of the decompressed gzip data" : $"at byte offset {offset}";
        string message = $"{name}: {what} {where}";
        if (inner is not null) message += $" ({inner.Message})";
        return inner is null ? new CaptureException(message) : new CaptureException(message, inner);
    }

    private static CaptureException TooShort(string name, int length, bool isGzip) =>
        HeaderError(name, length, isGzip, length == 0 ? "empty file, not a capture" : $"file too short for a capture header ({length} bytes)", null);

    private static int ReadUpTo(Stream stream, Span<byte> buffer)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = stream.Read(buffer[total..]);
            if (n == 0) break;
            total += n;
        }

        return total;
    }
}
