package io.bifrost.bench;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class LedgerTest {
    private SocketAccount a;
    private SocketAccount b;
    private SocketAccount c;
    private Ledger ledger;

    @BeforeEach
    void threeSocketsOnOneChannelAndOneOnAnother() {
        a = new SocketAccount(0);
        b = new SocketAccount(0);
        c = new SocketAccount(1);
        for (SocketAccount s : List.of(a, b, c)) {
            s.subscribed(1);
        }
        ledger = new Ledger(100, Ledger.byChannel(List.of(a, b, c), 2));
        ledger.beginPhase(10);
    }

    private int broadcast(int channel, long at) {
        int id = ledger.open(channel);
        ledger.started(id, at, at);
        return id;
    }

    @Test
    void everyOwedDeliveryReceivedOnceIsNeitherLostNorDuplicated() {
        int one = broadcast(0, 20);
        int two = broadcast(1, 21);
        ledger.accepted(one, 2, 30);
        ledger.accepted(two, 1, 31);
        ledger.receipt(a, one, 40);
        ledger.receipt(b, one, 41);
        ledger.receipt(c, two, 42);
        Ledger.Tally t = ledger.tally();
        assertEquals(3, t.expected());
        assertEquals(3, t.received());
        assertEquals(0, t.lost());
        assertEquals(0, t.duplicated());
        assertEquals(3, t.reportedDeliveries());
        assertEquals(0, ledger.outstanding());
    }

    @Test
    void aSecondReceiptIsADuplicateAndAMissingOneIsLostEvenOnTheSameSocket() {
        int one = broadcast(0, 20);
        int two = broadcast(0, 21);
        ledger.accepted(one, 2, 30);
        ledger.accepted(two, 2, 31);
        ledger.receipt(a, one, 40);
        ledger.receipt(a, one, 41);
        ledger.receipt(a, two, 42);
        ledger.receipt(b, one, 43);
        Ledger.Tally t = ledger.tally();
        assertEquals(4, t.expected());
        assertEquals(4, t.received());
        assertEquals(1, t.duplicated());
        assertEquals(1, t.lost(), "b never got the second broadcast");
    }

    @Test
    void aSocketTheGatewayClosedOwesNothingSentAfterAndItsMissesAreCountedApart() {
        int before = broadcast(0, 20);
        b.closed(25, true);
        int after = broadcast(0, 30);
        ledger.accepted(before, 2, 31);
        ledger.accepted(after, 1, 32);
        ledger.receipt(a, before, 40);
        ledger.receipt(a, after, 41);
        Ledger.Tally t = ledger.tally();
        assertEquals(3, t.expected(), "b was owed only the broadcast sent before it closed");
        assertEquals(0, t.lost());
        assertEquals(1, t.missedWithNotice());
    }

    @Test
    void refusedBroadcastsAreNotOwedAndTheirReceiptsAreCountedApart() {
        int refused = broadcast(0, 20);
        ledger.refused(refused, 503, 30);
        ledger.receipt(a, refused, 40);
        Ledger.Tally t = ledger.tally();
        assertEquals(Map.of(503, 1L), t.refused());
        assertEquals(0, t.expected());
        assertEquals(0, t.lost());
        assertEquals(1, t.deliveredThoughNotAccepted());
    }

    @Test
    void receiptsOfAnEarlierPhaseAndOfUnknownNumbersAreNotCounted() {
        int old = broadcast(0, 20);
        ledger.accepted(old, 2, 30);
        ledger.beginPhase(50);
        ledger.receipt(a, old, 60);
        ledger.receipt(a, 99, 61);
        ledger.receipt(c, 1_000_000, 62);
        Ledger.Tally t = ledger.tally();
        assertEquals(0, t.expected());
        assertEquals(0, t.received());
        assertEquals(1, t.stale());
        assertEquals(2, t.strays());
    }

    @Test
    void latencyRunsFromTheBroadcastsStartToItsReceipt() {
        int one = broadcast(0, 1_000_000);
        ledger.accepted(one, 2, 2_000_000);
        ledger.receipt(a, one, 4_000_000);
        ledger.receipt(b, one, 6_000_000);
        Ledger.Tally t = ledger.tally();
        assertEquals(2, t.latency().getTotalCount());
        assertEquals(5000, t.latency().getMaxValue(), 5);
        assertEquals(1000, t.requestLatency().getMaxValue(), 1);
    }
}
