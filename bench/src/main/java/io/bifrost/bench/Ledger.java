package io.bifrost.bench;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import org.HdrHistogram.Histogram;

/**
 * Every broadcast's fate and every delivery, counted exactly. Broadcasts are numbered; the number travels in the
 * message, so a receipt names its broadcast. Each socket keeps a bit per broadcast of its channel in the current
 * phase: a second receipt is a duplicate, a missing one is a loss. A socket is owed a broadcast when the gateway
 * accepted it (200) and the socket was open when it was sent; a socket the gateway closed (4008 and the like) owes
 * nothing more after the close, and what it missed before is counted apart, as "missed, with notice".
 *
 * <p>Loop thread only.
 */
final class Ledger {
    static final long MAX_LATENCY_MICROS = TimeUnit.MINUTES.toMicros(10);

    enum Outcome { PENDING, ACCEPTED, REFUSED, UNANSWERED }

    private final long[] start;
    private final int[] channelOf;
    private final int[] seqOf;
    private final byte[] outcome;
    private final int[] received;
    private final SocketAccount[][] members;
    private int next;

    // the current phase
    private int phaseFrom;
    private int[] channelSeq;
    private Histogram latency = newHistogram();
    private Histogram requestLatency = newHistogram();
    private Histogram publishLag = newHistogram();
    private long lastReceiptNanos;
    private long lastResponseNanos;
    private long expectedTotal;
    private long distinctTotal;
    private long reportedDeliveries;
    private long staleReceipts;
    private long accepted;
    private long unanswered;
    private final Map<Integer, Long> refused = new TreeMap<>();

    /**
     * @param capacity most broadcasts over all phases
     * @param members  the sockets of each channel
     */
    Ledger(int capacity, SocketAccount[][] members) {
        this.start = new long[capacity];
        this.channelOf = new int[capacity];
        this.seqOf = new int[capacity];
        this.outcome = new byte[capacity];
        this.received = new int[capacity];
        this.members = members;
        this.channelSeq = new int[members.length];
    }

    static Histogram newHistogram() {
        return new Histogram(MAX_LATENCY_MICROS, 3);
    }

    /** Starts a phase: counts from here on are the phase's; receipts of earlier broadcasts are ignored. */
    void beginPhase(long nowNanos) {
        phaseFrom = next;
        channelSeq = new int[members.length];
        latency = newHistogram();
        requestLatency = newHistogram();
        publishLag = newHistogram();
        lastReceiptNanos = nowNanos;
        lastResponseNanos = nowNanos;
        expectedTotal = distinctTotal = reportedDeliveries = staleReceipts = accepted = unanswered = 0;
        refused.clear();
        for (SocketAccount[] sockets : members) {
            for (SocketAccount s : sockets) {
                s.resetCounts();
            }
        }
    }

    boolean full() {
        return next >= start.length;
    }

    /**
     * Numbers a new broadcast; {@link #started} follows when its request is written.
     *
     * @param channel channel index
     * @return its number, or -1 when the ledger is full (the run's bound on broadcasts)
     */
    int open(int channel) {
        if (full()) {
            return -1;
        }
        int id = next++;
        channelOf[id] = channel;
        seqOf[id] = channelSeq[channel]++;
        return id;
    }

    /**
     * @param id         the broadcast
     * @param startNanos when it counts as started: now, or its scheduled time when paced (so a generator that falls
     *                   behind shows as latency rather than hiding it)
     * @param nowNanos   now, as its request is written
     */
    void started(int id, long startNanos, long nowNanos) {
        start[id] = startNanos;
        if (id >= phaseFrom) {
            publishLag.recordValue(clamp((nowNanos - startNanos) / 1000));
        }
    }

    void accepted(int id, int deliveries, long nowNanos) {
        outcome[id] = (byte) Outcome.ACCEPTED.ordinal();
        if (id < phaseFrom) {
            return;
        }
        lastResponseNanos = nowNanos;
        requestLatency.recordValue(clamp((nowNanos - start[id]) / 1000));
        accepted++;
        reportedDeliveries += Math.max(0, deliveries);
        for (SocketAccount s : members[channelOf[id]]) {
            if (s.openAt(start[id])) {
                s.expected++;
                expectedTotal++;
            }
        }
    }

    void refused(int id, int status, long nowNanos) {
        outcome[id] = (byte) Outcome.REFUSED.ordinal();
        if (id >= phaseFrom) {
            lastResponseNanos = nowNanos;
            refused.merge(status, 1L, Long::sum);
        }
    }

    void unanswered(int id) {
        outcome[id] = (byte) Outcome.UNANSWERED.ordinal();
        if (id >= phaseFrom) {
            unanswered++;
        }
    }

    /**
     * A broadcast frame arrived on a socket.
     *
     * @param socket where
     * @param id     the broadcast's number, from the message
     * @param now    System.nanoTime() at receipt
     */
    void receipt(SocketAccount socket, long id, long now) {
        if (id < 0 || id >= next) {
            socket.strays++;
            return;
        }
        int i = (int) id;
        received[i]++;
        if (i < phaseFrom) {
            staleReceipts++;
            return;
        }
        if (channelOf[i] != socket.channel) {
            socket.strays++;
            return;
        }
        int seq = seqOf[i];
        if (socket.seen.get(seq)) {
            socket.duplicates++;
        } else {
            socket.seen.set(seq);
            socket.distinct++;
            distinctTotal++;
        }
        latency.recordValue(clamp((now - start[i]) / 1000));
        lastReceiptNanos = now;
    }

    private static long clamp(long micros) {
        return Math.max(0, Math.min(micros, MAX_LATENCY_MICROS));
    }

    /** Accepted broadcasts of this phase not yet received by the open sockets owed them. */
    long outstanding() {
        return expectedTotal - distinctTotal;
    }

    long lastReceiptNanos() {
        return lastReceiptNanos;
    }

    long lastResponseNanos() {
        return lastResponseNanos;
    }

    /** The phase's counts. A receipt of a broadcast refused or left unanswered is not owed: counted apart. */
    Tally tally() {
        long deliveredThoughNotAccepted = 0;
        for (int i = phaseFrom; i < next; i++) {
            if (outcome[i] != Outcome.ACCEPTED.ordinal() && received[i] > 0) {
                for (SocketAccount s : members[channelOf[i]]) {
                    if (s.seen.get(seqOf[i])) {
                        s.seen.clear(seqOf[i]);
                        s.distinct--;
                        deliveredThoughNotAccepted++;
                    }
                }
            }
        }
        long expected = 0;
        long distinct = 0;
        long duplicates = 0;
        long lost = 0;
        long missedWithNotice = 0;
        long strays = 0;
        for (SocketAccount[] sockets : members) {
            for (SocketAccount s : sockets) {
                expected += s.expected;
                distinct += s.distinct;
                duplicates += s.duplicates;
                strays += s.strays;
                long missing = Math.max(0, s.expected - s.distinct);
                if (s.closedByGateway()) {
                    missedWithNotice += missing;
                } else {
                    lost += missing;
                }
            }
        }
        return new Tally(next - phaseFrom, accepted, Map.copyOf(refused), unanswered, expected,
                distinct + duplicates, lost, duplicates, missedWithNotice, deliveredThoughNotAccepted, strays,
                staleReceipts, reportedDeliveries, latency.copy(), requestLatency.copy(), publishLag.copy());
    }

    /**
     * @param broadcasts                 broadcasts sent in the phase
     * @param accepted                   answered 200
     * @param refused                    answered otherwise, by status
     * @param unanswered                 no answer (connection failed)
     * @param expected                   deliveries owed: accepted broadcasts × the sockets open on their channel
     * @param received                   broadcast frames received (including duplicates)
     * @param lost                       owed, not received, by sockets the gateway did not close
     * @param duplicated                 received more than once by the same socket
     * @param missedWithNotice           owed, not received, by sockets the gateway closed (e.g. 4008)
     * @param deliveredThoughNotAccepted received, of broadcasts refused or unanswered
     * @param strays                     frames with a number this run never sent, or on the wrong channel
     * @param stale                      receipts of broadcasts from an earlier phase
     * @param reportedDeliveries         the sum of the gateway's "deliveries" answers
     * @param latency                    broadcast request start → receipt, µs
     * @param requestLatency             broadcast request start → its answer, µs
     * @param publishLag                 scheduled → written, µs (paced phases)
     */
    record Tally(long broadcasts, long accepted, Map<Integer, Long> refused, long unanswered, long expected,
                 long received, long lost, long duplicated, long missedWithNotice, long deliveredThoughNotAccepted,
                 long strays, long stale, long reportedDeliveries, Histogram latency, Histogram requestLatency,
                 Histogram publishLag) {
        long refusedTotal() {
            return refused.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    /** Accounts grouped by channel index, from a flat list. */
    static SocketAccount[][] byChannel(List<SocketAccount> sockets, int channels) {
        int[] counts = new int[channels];
        for (SocketAccount s : sockets) {
            counts[s.channel]++;
        }
        SocketAccount[][] members = new SocketAccount[channels][];
        for (int c = 0; c < channels; c++) {
            members[c] = new SocketAccount[counts[c]];
        }
        Arrays.fill(counts, 0);
        for (SocketAccount s : sockets) {
            members[s.channel][counts[s.channel]++] = s;
        }
        return members;
    }

}
