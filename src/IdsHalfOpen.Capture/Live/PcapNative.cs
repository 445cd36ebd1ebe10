using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace IdsHalfOpen.Capture.Live;

/// <summary>
/// The part of the libpcap C API that live capture uses (pcap/pcap.h, libpcap ≥ 1.5 for immediate mode and
/// nanosecond time stamps; Debian ships 1.10). Strings that libpcap returns are <c>byte*</c> on purpose: they belong
/// to libpcap, and a <c>string</c> return would make the marshaller free them.
/// </summary>
internal static unsafe partial class PcapNative
{
    /// <summary>The name the imports use; <see cref="PcapLibrary"/> resolves it to the real soname.</summary>
    internal const string Library = "libpcap";

    internal const int ErrbufSize = 256; // PCAP_ERRBUF_SIZE

    internal const int Error = -1;                       // PCAP_ERROR
    internal const int ErrorBreak = -2;                  // PCAP_ERROR_BREAK
    internal const int ErrorNoSuchDevice = -5;           // PCAP_ERROR_NO_SUCH_DEVICE
    internal const int ErrorPermDenied = -8;             // PCAP_ERROR_PERM_DENIED
    internal const int ErrorIfaceNotUp = -9;             // PCAP_ERROR_IFACE_NOT_UP
    internal const int ErrorPromiscPermDenied = -11;     // PCAP_ERROR_PROMISC_PERM_DENIED

    internal const int TstampPrecisionNano = 1;          // PCAP_TSTAMP_PRECISION_NANO
    internal const uint NetmaskUnknown = 0xffffffff;     // PCAP_NETMASK_UNKNOWN

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial PcapHandle pcap_create(string source, byte* errbuf);

    [LibraryImport(Library)]
    internal static partial int pcap_set_snaplen(PcapHandle p, int snaplen);

    [LibraryImport(Library)]
    internal static partial int pcap_set_promisc(PcapHandle p, int promisc);

    [LibraryImport(Library)]
    internal static partial int pcap_set_immediate_mode(PcapHandle p, int immediate);

    [LibraryImport(Library)]
    internal static partial int pcap_set_buffer_size(PcapHandle p, int bufferSize);

    [LibraryImport(Library)]
    internal static partial int pcap_set_timeout(PcapHandle p, int timeoutMs);

    [LibraryImport(Library)]
    internal static partial int pcap_set_tstamp_precision(PcapHandle p, int precision);

    [LibraryImport(Library)]
    internal static partial int pcap_get_tstamp_precision(PcapHandle p);

    [LibraryImport(Library)]
    internal static partial int pcap_activate(PcapHandle p);

    [LibraryImport(Library)]
    internal static partial byte* pcap_geterr(PcapHandle p);

    [LibraryImport(Library)]
    internal static partial byte* pcap_statustostr(int error);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int pcap_compile(PcapHandle p, BpfProgram* program, string filter, int optimize, uint netmask);

    [LibraryImport(Library)]
    internal static partial int pcap_setfilter(PcapHandle p, BpfProgram* program);

    [LibraryImport(Library)]
    internal static partial void pcap_freecode(BpfProgram* program);

    [LibraryImport(Library)]
    internal static partial int pcap_datalink(PcapHandle p);

    [LibraryImport(Library)]
    internal static partial int pcap_setnonblock(PcapHandle p, int nonblock, byte* errbuf);

    [LibraryImport(Library)]
    internal static partial int pcap_get_selectable_fd(PcapHandle p);

    /// <summary>Non-null while libpcap needs to be called again within that time (it is checking whether a downed interface vanished).</summary>
    [LibraryImport(Library)]
    internal static partial Timeval* pcap_get_required_select_timeout(PcapHandle p);

    [LibraryImport(Library)]
    internal static partial int pcap_next_ex(PcapHandle p, PcapPacketHeader** header, byte** data);

    [LibraryImport(Library)]
    internal static partial int pcap_stats(PcapHandle p, PcapStat* stats);

    [LibraryImport(Library)]
    internal static partial void pcap_breakloop(PcapHandle p);

    [LibraryImport(Library)]
    internal static partial void pcap_close(nint p);

    [LibraryImport(Library)]
    internal static partial int pcap_findalldevs(PcapIf** devices, byte* errbuf);

    [LibraryImport(Library)]
    internal static partial void pcap_freealldevs(PcapIf* devices);

    [LibraryImport(Library)]
    internal static partial byte* pcap_lib_version();

    /// <summary>A NUL-terminated string from libpcap, or "" for NULL.</summary>
    internal static string Text(byte* s) => s is null ? "" : Marshal.PtrToStringUTF8((nint)s) ?? "";

    internal static string Errbuf(byte* errbuf)
    {
        errbuf[ErrbufSize - 1] = 0; // libpcap always terminates; this guards against a future that does not
        return Text(errbuf);
    }

    /// <summary>libpcap's last error for the handle, falling back to the generic text for the status code.</summary>
    internal static string ErrorText(PcapHandle p, int status)
    {
        string text = Text(pcap_geterr(p));
        return text.Length > 0 ? text : Text(pcap_statustostr(status));
    }
}

/// <summary>struct pcap_pkthdr: a struct timeval (two C longs on LP64 Linux) then caplen and len.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct PcapPacketHeader
{
    public nint Seconds;
    /// <summary>Microseconds, or nanoseconds when the handle was opened with nanosecond precision.</summary>
    public nint Fraction;
    public uint CapturedLength;
    public uint OriginalLength;
}

/// <summary>struct timeval on LP64 Linux.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct Timeval
{
    public nint Seconds;
    public nint Microseconds;
}

/// <summary>struct pcap_stat as on Unix (Windows appends fields we do not read).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct PcapStat
{
    public uint Received;
    public uint Dropped;
    public uint InterfaceDropped;
}

/// <summary>struct bpf_program.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct BpfProgram
{
    public uint Length;
    public nint Instructions;
}

/// <summary>struct pcap_if (pcap_if_t), one entry of the list pcap_findalldevs returns.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct PcapIf
{
    public PcapIf* Next;
    public byte* Name;
    public byte* Description;
    public nint Addresses;
    public uint Flags;
}

/// <summary>Owns a pcap_t*; closing it releases the socket and the ring buffer.</summary>
internal sealed class PcapHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public PcapHandle() : base(ownsHandle: true) { }

    protected override bool ReleaseHandle()
    {
        PcapNative.pcap_close(handle);
        return true;
    }
}
