using IdsHalfOpen.Decoding;
using static IdsHalfOpen.Tracking.Tests.Pkt;

namespace IdsHalfOpen.Tracking.Tests;

public class HandshakeTrackerTests
{
    private const string C = "192.0.2.1";
    private const string S = "10.0.0.10";

    [Fact]
    public void Process_FullHandshake_CompletedWithHistoryShA()
    {
        var h = new TrackerHarness().Feed(
            Make(C, 40000, S, 80, Syn, 1000, 0, 0.0),
            Make(S, 80, C, 40000, SynAck, 5000, 1001, 0.01),
            Make(C, 40000, S, 80, Ack, 1001, 5001, 0.02));
        var kinds = h.Events.Select(e => e.Kind).ToArray();
        Assert.Equal([TrackerEventKind.AttemptStarted, TrackerEventKind.Answered, TrackerEventKind.Closed], kinds);
        var rec = h.Closed.Single().ToRecord();
        Assert.Equal(AttemptOutcome.Completed, rec.Outcome);
        Assert.Equal("ShA", rec.History);
        Assert.Equal(1000u, rec.ClientIsn);
        Assert.Equal(5000u, rec.ServerIsn);
        Assert.Equal(Ip(C), rec.Client);
        Assert.Equal((ushort)80, rec.ServerPort);
        Assert.Equal(AttemptState.SynReceived, h.Closed.Single().PreviousState);
    }

    [Fact]
    public void Process_FinalAckWithWrongNumber_StaysEmbryonicAndCountsAnomaly()
    {
        var h = new TrackerHarness().Feed(
            Make(C, 40000, S, 80, Syn, 1000, 0, 0.0),
            Make(S, 80, C, 40000, SynAck, 5000, 1001, 0.01),
            Make(C, 40000, S, 80, Ack, 1001, 4242, 0.02)).Flush();
        Assert.Contains(h.Events, e => e.Kind == TrackerEventKind.Anomaly && e.Anomaly == HandshakeAnomaly.FinalAckBadAck);
        Assert.Equal(AttemptOutcome.Embryonic, h.Closed.Single().Outcome);
        Assert.Equal(EndReason.EndOfCapture, h.Closed.Single().EndReason);
    }

    [Fact]
    public void Process_SynAnsweredByRstAck_Rejected()
    {
        var h = new TrackerHarness().Feed(
            Make(C, 40000, S, 81, Syn, 1000, 0, 0.0),
            Make(S, 81, C, 40000, RstAck, 0, 1001, 0.001));
        var rec = h.Closed.Single().ToRecord();
        Assert.Equal(AttemptOutcome.Rejected, rec.Outcome);
        Assert.Equal("Sr", rec.History);
    }

    [Fact]
    public void Process_RstAckWithWrongAck_IsAnomalyNotRejection()
    {
        var h = new TrackerHarness().Feed(
            Make(C, 40000, S, 81, Syn, 1000, 0, 0.0),
            Make(S, 81, C, 40000, RstAck, 0, 77, 0.001)).Flush();
        Assert.Contains(h.Events, e => e.Anomaly == HandshakeAnomaly.RstBadAck);
        Assert.Equal(AttemptOutcome.Invalid, h.Closed.Single().Outcome);
    }

    [Fact]
    public void Process_SynSynAckClientRst_AbortedByClient()
    {
        var h = new TrackerHarness().Feed(
            Make(C, 40000, S, 22, Syn, 1000, 0, 0.0),
            Make(S, 22, C, 40000, SynAck, 5000, 1001, 0.001),
            Make(C, 40000, S, 22, Rst, 1001, 0, 0.002));
        var rec = h.Closed.Single().ToRecord();
        Assert.Equal(AttemptOutcome.AbortedByClient, rec.Outcome);
        Assert.Equal("ShR", rec.History);
    }

    [Fact]
    public void Process_SynThenClientRst_ResetBeforeReply()
    {
        var h = new TrackerHarness().Feed(
            Make(C, 40000, S, 22, Syn, 1000, 0, 0.0),
            Make(C, 40000, S, 22, Rst, 1001, 0, 0.5));
        Assert.Equal(AttemptOutcome.ResetBeforeReply, h.Closed.Single().Outcome);
        Assert.Equal("SR", h.Closed.Single().ToRecord().History);
    }

    [Fact]
    public void Process_SynRetransmittedWithSameIsn_OneAttemptWithRetransmitCount()
    {
        var h = new TrackerHarness().Feed(
            Make(C, 40000, S, 80, Syn, 1000, 0, 0.0),
            Make(C, 40000, S, 80, Syn, 1000, 0, 1.0),
            Make(C, 40000, S, 80, Syn, 1000, 0, 3.0)).Flush();
        Assert.Equal(1, h.Events.Count(e => e.Kind == TrackerEventKind.AttemptStarted));
        var rec = h.Closed.Single().ToRecord();
        Assert.Equal(AttemptOutcome.Unanswered, rec.Outcome);
        Assert.Equal(2, rec.SynRetransmits);
    }

    [Fact]
    public void Process_NewIsnOnOpenTuple_SupersedesAndStartsNewAttempt()
    {
        var h = new TrackerHarness().Feed(
            Make(C, 40000, S, 80, Syn, 1000, 0, 0.0),
            Make(S, 80, C, 40000, SynAck, 5000, 1001, 0.01),
            Make(C, 40000, S, 80, Syn, 9000, 0, 2.0),
            Make(S, 80, C, 40000, SynAck, 7000, 9001, 2.01),
            Make(C, 40000, S, 80, Ack, 9001, 7001, 2.02));
        var closed = h.Closed.ToList();
        Assert.Equal(2, closed.Count);
        Assert.Equal((AttemptOutcome.Embryonic, EndReason.Superseded, 1000u), (closed[0].Outcome, closed[0].EndReason, closed[0].ClientIsn));
        Assert.Equal((AttemptOutcome.Completed, 9000u), (closed[1].Outcome, closed[1].ClientIsn));
    }

    [Fact]
    public void AdvanceTo_EmbryonicPastTimeout_EmbryonicTimeoutAtSlotBoundary()
    {
        var h = new TrackerHarness().Feed(
            Make(C, 40000, S, 80, Syn, 1000, 0, 0.0),
            Make(S, 80, C, 40000, SynAck, 5000, 1001, 0.05));
        h.AdvanceTo(30.0);
        Assert.Empty(h.Closed);
        h.AdvanceTo(30.2);
        var ev = h.Closed.Single();
        Assert.Equal(AttemptOutcome.EmbryonicTimeout, ev.Outcome);
        Assert.Equal(EndReason.Timeout, ev.EndReason);
        Assert.Equal(T0 + 30_100_000_000L, ev.TimestampNs); // deadline 30.05 s rounds up to the 100 ms boundary
        Assert.Equal(0, h.Tracker.Count);
    }

    [Fact]
    public void AdvanceTo_SynAckRetransmission_ExtendsEmbryonicLife()
    {
        var h = new TrackerHarness().Feed(
            Make(C, 40000, S, 80, Syn, 1000, 0, 0.0),
            Make(S, 80, C, 40000, SynAck, 5000, 1001, 0.0),
            Make(S, 80, C, 40000, SynAck, 5000, 1001, 20.0));
        h.AdvanceTo(45.0);
        Assert.Empty(h.Closed);
        h.AdvanceTo(50.1);
        Assert.Equal(AttemptOutcome.EmbryonicTimeout, h.Closed.Single().Outcome);
        Assert.Equal(1, h.Closed.Single().SynAckRetransmits);
    }

    [Fact]
    public void AdvanceTo_UnansweredPastTimeout_Unanswered()
    {
        var h = new TrackerHarness(new TrackerOptions { UnansweredTimeout = TimeSpan.FromSeconds(5) }).Feed(Make(C, 40000, S, 80, Syn, 1000, 0, 0.0));
        h.AdvanceTo(6);
        Assert.Equal((AttemptOutcome.Unanswered, EndReason.Timeout), (h.Closed.Single().Outcome, h.Closed.Single().EndReason));
    }

    [Fact]
    public void Process_UnsolicitedSynAck_BackscatterNeverEmbryonic()
    {
        var h = new TrackerHarness().Feed(
            Make(S, 80, C, 40000, SynAck, 5000, 1001, 0.0),
            Make(S, 80, C, 40000, SynAck, 5000, 1001, 1.0));
        h.AdvanceTo(10);
        Assert.Equal(2, h.Events.Count(e => e.Kind == TrackerEventKind.Backscatter));
        Assert.DoesNotContain(h.Events, e => e.Kind == TrackerEventKind.Answered);
        var ev = h.Closed.Single();
        Assert.Equal(AttemptOutcome.Backscatter, ev.Outcome);
        Assert.Equal(Ip(C), ev.Client); // the receiver is the supposed originator
    }

    [Fact]
    public void Process_UnsolicitedSynAckAnsweredByRst_BackscatterClosed()
    {
        var h = new TrackerHarness().Feed(
            Make(S, 80, C, 40000, SynAck, 5000, 1001, 0.0),
            Make(C, 40000, S, 80, Rst, 1001, 0, 0.001));
        Assert.Equal((AttemptOutcome.Backscatter, "hR"), (h.Closed.Single().Outcome, h.Closed.Single().ToRecord().History));
    }

    [Fact]
    public void Process_LoneRst_BackscatterRecordAndNoEntry()
    {
        var h = new TrackerHarness().Feed(Make(S, 80, C, 40000, RstAck, 1, 1001, 0.0));
        Assert.Equal(AttemptOutcome.Backscatter, h.Closed.Single().Outcome);
        Assert.Equal(0, h.Tracker.Count);
    }

    [Fact]
    public void Process_SynAckBeforeSyn_ReorderedHandshakeCompletes()
    {
        var h = new TrackerHarness().Feed(
            Make(S, 80, C, 40000, SynAck, 5000, 1001, 0.0),
            Make(C, 40000, S, 80, Syn, 1000, 0, 0.0001),
            Make(C, 40000, S, 80, Ack, 1001, 5001, 0.0002));
        Assert.Equal(AttemptOutcome.Completed, h.Closed.Single().Outcome);
        Assert.Equal("h^SA", h.Closed.Single().ToRecord().History);
    }

    [Fact]
    public void Process_RstOnEstablished_NotBackscatter()
    {
        var h = new TrackerHarness().Feed(
            Make(C, 40000, S, 80, Syn, 1000, 0, 0.0),
            Make(S, 80, C, 40000, SynAck, 5000, 1001, 0.01),
            Make(C, 40000, S, 80, Ack, 1001, 5001, 0.02),
            Make(C, 40000, S, 80, Ack, 1001, 5001, 0.03, payload: 100),
            Make(S, 80, C, 40000, RstAck, 5001, 1101, 0.04));
        Assert.DoesNotContain(h.Events, e => e.Kind == TrackerEventKind.Backscatter);
        Assert.Contains(h.Events, e => e.Anomaly == HandshakeAnomaly.EstablishedReset);
        Assert.Equal(0, h.Tracker.Count);
    }

    [Fact]
    public void Process_MidStreamPickupThenRst_NotBackscatter()
    {
        var h = new TrackerHarness().Feed(
            Make(C, 40000, S, 80, Ack, 1001, 5001, 0.0, payload: 100),
            Make(S, 80, C, 40000, RstAck, 5001, 1101, 0.04));
        Assert.DoesNotContain(h.Events, e => e.Kind is TrackerEventKind.Backscatter or TrackerEventKind.Closed);
    }

    [Fact]
    public void Process_ClientAcksUnseenSynAck_CompletedAndFlagged()
    {
        var h = new TrackerHarness().Feed(
            Make(C, 40000, S, 80, Syn, 1000, 0, 0.0),
            Make(C, 40000, S, 80, Ack, 1001, 5001, 0.02));
        Assert.Equal(AttemptOutcome.Completed, h.Closed.Single().Outcome);
        Assert.Equal(AttemptState.SynSent, h.Closed.Single().PreviousState);
        Assert.Contains(h.Events, e => e.Anomaly == HandshakeAnomaly.SynAckUnseen);
    }

    [Fact]
    public void Process_ClientFinWithoutAckAfterSyn_NotCompletedThenResetBeforeReply()
    {
        // Zeek's syn-then-stuff-then-rst trace: SYN, a bare server ACK, a client FIN without ACK, a client RST.
        var h = new TrackerHarness().Feed(
            Make(C, 13131, S, 31313, Syn, 0, 0, 0.0),
            Make(S, 31313, C, 13131, Ack, 0, 0, 0.001),
            Make(C, 13131, S, 31313, TcpFlags.Fin, 0, 0, 0.002),
            Make(C, 13131, S, 31313, Rst, 0, 0, 0.003));
        var rec = h.Closed.Single().ToRecord();
        Assert.Equal((AttemptOutcome.ResetBeforeReply, "SaFR"), (rec.Outcome, rec.History));
        Assert.DoesNotContain(h.Events, e => e.Anomaly == HandshakeAnomaly.SynAckUnseen);
    }

    [Fact]
    public void Process_ClientAcksServerDataSeenAfterSynAck_Completed()
    {
        // Arkime's synthetic session 40008: the server speaks first and the pure final ACK is missing from the capture.
        var h = new TrackerHarness().Feed(
            Make(C, 40008, S, 8080, Syn, 12000, 0, 0.0),
            Make(S, 8080, C, 40008, SynAck, 13000, 12001, 0.001),
            Make(S, 8080, C, 40008, Ack, 13001, 12001, 0.002, payload: 21),
            Make(C, 40008, S, 8080, Ack, 12001, 13022, 0.003));
        var rec = h.Closed.Single().ToRecord();
        Assert.Equal((AttemptOutcome.Completed, "ShdA"), (rec.Outcome, rec.History));
        Assert.DoesNotContain(h.Events, e => e.Kind == TrackerEventKind.Anomaly);
    }

    [Fact]
    public void Process_ClientAckBeyondServerDataSeen_StillFinalAckBadAck()
    {
        var h = new TrackerHarness().Feed(
            Make(C, 40008, S, 8080, Syn, 12000, 0, 0.0),
            Make(S, 8080, C, 40008, SynAck, 13000, 12001, 0.001),
            Make(S, 8080, C, 40008, Ack, 13001, 12001, 0.002, payload: 21),
            Make(C, 40008, S, 8080, Ack, 12001, 13023, 0.003)).Flush();
        Assert.Contains(h.Events, e => e.Anomaly == HandshakeAnomaly.FinalAckBadAck);
        Assert.Equal(AttemptOutcome.Embryonic, h.Closed.Single().Outcome);
    }

    [Fact]
    public void AdvanceTo_MidStreamPickedUpAtFinThenBothFins_ForgottenSoLateRstIsBackscatter()
    {
        // Zeek's Teredo trace, port 1577: the capture starts at the server's FIN; the flow closes; an RST comes 16 s later.
        var h = new TrackerHarness().Feed(
            Make(S, 80, C, 1577, FinAck, 4041691595, 1974006671, 0.0),
            Make(C, 1577, S, 80, Ack, 1974006671, 4041691596, 0.001),
            Make(C, 1577, S, 80, FinAck, 1974006671, 4041691596, 7.0),
            Make(S, 80, C, 1577, Ack, 4041691596, 1974006672, 7.1));
        h.AdvanceTo(10.0);
        Assert.Equal(0, h.Tracker.Count);
        h.Feed(Make(S, 80, C, 1577, RstAck, 4041691596, 1974006672, 23.2));
        Assert.Equal(AttemptOutcome.Backscatter, h.Closed.Single().Outcome);
    }

    [Fact]
    public void Process_SynAckFromClient_WrongDirectionAnomalyAndInvalid()
    {
        var h = new TrackerHarness().Feed(
            Make(C, 40000, S, 80, Syn, 1000, 0, 0.0),
            Make(C, 40000, S, 80, SynAck, 1000, 1, 0.01)).Flush();
        Assert.Contains(h.Events, e => e.Anomaly == HandshakeAnomaly.SynAckWrongDirection);
        Assert.Equal(AttemptOutcome.Invalid, h.Closed.Single().Outcome);
    }

    [Fact]
    public void Process_SimultaneousOpen_Completes()
    {
        var h = new TrackerHarness().Feed(
            Make(C, 40000, S, 5000, Syn, 1000, 0, 0.0),
            Make(S, 5000, C, 40000, Syn, 7000, 0, 0.001),
            Make(S, 5000, C, 40000, SynAck, 7000, 1001, 0.002),
            Make(C, 40000, S, 5000, Ack, 1001, 7001, 0.003));
        Assert.Equal(AttemptOutcome.Completed, h.Closed.Single().Outcome);
        Assert.Contains(h.Events, e => e.Anomaly == HandshakeAnomaly.SimultaneousOpen);
    }

    [Fact]
    public void Process_IcmpUnreachableQuotingSyn_Rejected()
    {
        var syn = Make(C, 40000, S, 80, Syn, 1000, 0, 0.0);
        var icmp = syn;
        icmp.Kind = TcpPacketKind.IcmpErrorQuote;
        icmp.TimestampNs += 1_000_000;
        var h = new TrackerHarness().Feed(syn, icmp);
        Assert.Equal(AttemptOutcome.Rejected, h.Closed.Single().Outcome);
        Assert.Equal("SI", h.Closed.Single().ToRecord().History);
    }

    [Fact]
    public void Flush_OpenAttempts_ReportedInOrderAndTableEmpty()
    {
        var h = new TrackerHarness().Feed(
            Make(C, 40001, S, 80, Syn, 1, 0, 0.0),
            Make(C, 40002, S, 80, Syn, 2, 0, 0.1),
            Make(S, 80, C, 40002, SynAck, 9, 3, 0.2)).Flush();
        var closed = h.Closed.ToList();
        Assert.Equal([AttemptOutcome.Unanswered, AttemptOutcome.Embryonic], closed.Select(c => c.Outcome));
        Assert.All(closed, c => Assert.Equal(EndReason.EndOfCapture, c.EndReason));
        Assert.Equal(0, h.Tracker.Count);
    }

    [Fact]
    public void Process_TableFull_EvictsAndNeverExceedsCap()
    {
        var h = new TrackerHarness(capacity: 100);
        for (int i = 0; i < 1000; i++)
        {
            h.Feed(Make($"198.18.{i / 256}.{i % 256}", (ushort)(1024 + i), S, 80, Syn, (uint)i, 0, i * 0.001));
            Assert.True(h.Tracker.Count <= 100);
        }

        Assert.Equal(900, h.Tracker.Statistics.Evictions);
        var evicted = h.Closed.Where(e => e.EndReason == EndReason.Evicted).ToList();
        Assert.Equal(900, evicted.Count);
        Assert.All(evicted, e => Assert.True(e.TableSaturated));
        // Earliest deadline goes first: the oldest SYNs are the ones evicted.
        Assert.Equal(Enumerable.Range(0, 900).Select(i => (uint)i), evicted.Select(e => e.ClientIsn).Order());
    }

    [Fact]
    public void Process_SameTupleInTwoVlans_TwoSeparateHandshakes()
    {
        TcpPacket V(TcpPacket p, ushort vlan)
        {
            p.OuterVlan = vlan;
            return p;
        }

        var h = new TrackerHarness().Feed(
            V(Make(C, 40000, S, 80, Syn, 1000, 0, 0.0), 310),
            V(Make(C, 40000, S, 80, Syn, 7000, 0, 0.0), 311),
            V(Make(S, 80, C, 40000, SynAck, 5000, 1001, 0.001), 310),
            V(Make(S, 80, C, 40000, SynAck, 9000, 7001, 0.001), 311),
            V(Make(C, 40000, S, 80, Ack, 1001, 5001, 0.002), 310),
            V(Make(C, 40000, S, 80, Ack, 7001, 9001, 0.002), 311));
        var closed = h.Closed.ToList();
        Assert.Equal(2, closed.Count);
        Assert.All(closed, c => Assert.Equal((AttemptOutcome.Completed, EndReason.Closed), (c.Outcome, c.EndReason)));
        Assert.Equal([310, 311], closed.Select(c => (int)c.Vlan).Order());
    }
}
