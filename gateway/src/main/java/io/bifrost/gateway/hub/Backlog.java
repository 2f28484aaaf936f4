package io.bifrost.gateway.hub;

import java.util.concurrent.atomic.LongAdder;

/**
 * Deliveries queued on this instance's sockets and not yet written: how far the gateway is behind its publishers.
 *
 * <p>Above the limit a broadcast to a channel with local sockets is held back (its request waits, then gets 503
 * with {@code Retry-After}), here and, through Redis, on every other instance: publishers slow down to the pace
 * the sockets are written at, instead of the backlog growing until readers are cut off as slow consumers.
 *
 * <p>Sockets that stopped reading are left out of the count (the maintenance tick reports what they hold): their own
 * send-queue limit closes them, and a few of them must not hold back everyone's broadcasts.
 */
public final class Backlog {
    private final long limit;
    private final LongAdder queued = new LongAdder();
    // Deliveries a received broadcast will make once the relay gets to it: lag between Redis and the sockets.
    private final LongAdder relaying = new LongAdder();
    private volatile long stalled;

    /**
     * @param limit deliveries queued above which broadcasts are held back
     */
    public Backlog(long limit) {
        if (limit <= 0) {
            throw new IllegalArgumentException("backlog limit is " + limit + "; it must be positive");
        }
        this.limit = limit;
    }

    /**
     * A frame was queued on a socket.
     */
    public void queued() {
        queued.increment();
    }

    /**
     * Frames queued on a socket were written or dropped.
     *
     * @param frames how many
     */
    public void done(int frames) {
        queued.add(-frames);
    }

    /**
     * A broadcast arrived from the cluster and waits in the relay; it will be queued on this many sockets.
     *
     * @param deliveries the channel's local sockets when it arrived
     */
    public void relaying(long deliveries) {
        relaying.add(deliveries);
    }

    /**
     * The relay handed a broadcast on (or dropped it).
     *
     * @param deliveries what {@link #relaying} counted for it
     */
    public void relayed(long deliveries) {
        relaying.add(-deliveries);
    }

    /**
     * @return deliveries waiting in the relay, not yet queued on sockets
     */
    public long inRelay() {
        return Math.max(0, relaying.sum());
    }

    /**
     * What the maintenance tick found queued on sockets whose writes are blocked: not the gateway's lag.
     *
     * @param frames frames queued on stalled sockets
     */
    public void stalled(long frames) {
        this.stalled = frames;
    }

    /**
     * @return deliveries queued on sockets that are reading, or waiting in the relay to be (never negative)
     */
    public long pending() {
        // The two counts are read at different moments; a stalled socket that drained since the tick must not
        // make the figure negative.
        return Math.max(0, queued.sum() + relaying.sum() - stalled);
    }

    /**
     * @return deliveries queued on stalled sockets at the last maintenance tick
     */
    public long stalled() {
        return stalled;
    }

    /**
     * @return true while more deliveries are pending than the limit
     */
    public boolean behind() {
        return pending() > limit;
    }

    /**
     * @return the figures, for an error or log line
     */
    public String describe() {
        return pending() + " deliveries are queued on its sockets (limit " + limit + ", BIFROST_MAX_BACKLOG)";
    }

    /**
     * @return the limit
     */
    public long limit() {
        return limit;
    }
}
