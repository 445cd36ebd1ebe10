namespace IdsHalfOpen.Decoding.Ethernet;

/// <summary>EtherType values the decoder follows (IEEE registry). Values below 0x0600 are 802.3 lengths, not types.</summary>
internal static class EtherTypes
{
    public const ushort Ipv4 = 0x0800;
    public const ushort Arp = 0x0806;
    public const ushort Ipv6 = 0x86DD;
    /// <summary>802.1Q customer VLAN tag.</summary>
    public const ushort Vlan = 0x8100;
    /// <summary>802.1ad service tag (QinQ outer).</summary>
    public const ushort QinQ = 0x88A8;
    /// <summary>Pre-standard QinQ outer tag that some switches still send.</summary>
    public const ushort QinQLegacy = 0x9100;
    public const ushort MplsUnicast = 0x8847;
    public const ushort MplsMulticast = 0x8848;
    /// <summary>Cisco FabricPath (DCE).</summary>
    public const ushort FabricPath = 0x8903;
}
