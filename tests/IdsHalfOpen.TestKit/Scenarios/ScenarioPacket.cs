namespace IdsHalfOpen.TestKit.Scenarios;

/// <summary>
/// One IP packet of a traffic scenario: when it is seen, its bytes (an IPv4 or IPv6 packet, no link header),
/// the flow (connection attempt) it belongs to, and whether the responder (server side) sent it.
/// Framing (<see cref="Framing"/>) turns it into a link-layer frame.
/// </summary>
public readonly record struct ScenarioPacket(long TimestampNs, byte[] Ip, int Flow, bool FromResponder);

/// <summary>A link-layer frame with its capture time, ready for <see cref="PcapWriter"/> or <see cref="PcapngWriter"/>.</summary>
public readonly record struct TimedFrame(long TimestampNs, byte[] Data);
