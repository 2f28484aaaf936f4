package io.bifrost.bench;

import java.util.BitSet;

/**
 * One socket's side of the {@link Ledger}: when it was subscribed and closed, and what it was owed and received in
 * the current phase, with a bit per broadcast of its channel so a second receipt shows as a duplicate. Loop thread.
 */
final class SocketAccount {
    final int channel;
    private long subscribedAtNanos;
    private long closedAtNanos;
    private boolean closedByGateway;

    long expected;
    long distinct;
    long duplicates;
    long strays;
    BitSet seen = new BitSet();

    SocketAccount(int channel) {
        this.channel = channel;
    }

    void subscribed(long nanos) {
        subscribedAtNanos = nanos;
    }

    /** The socket is gone; {@code byGateway}: the gateway ended it (a close frame, or the connection dropped). */
    void closed(long nanos, boolean byGateway) {
        if (closedAtNanos == 0) {
            closedAtNanos = nanos;
            closedByGateway = byGateway;
        }
    }

    /** Owed a broadcast sent at {@code nanos}: subscribed before it and not closed before it. */
    boolean openAt(long nanos) {
        return subscribedAtNanos != 0 && subscribedAtNanos - nanos <= 0
                && (closedAtNanos == 0 || closedAtNanos - nanos > 0);
    }

    boolean closedByGateway() {
        return closedByGateway;
    }

    void resetCounts() {
        expected = distinct = duplicates = strays = 0;
        seen = new BitSet();
    }
}
