package io.bifrost.gateway.hub;

import java.util.List;

/**
 * Something the hub delivers broadcasts to: one client socket.
 */
public interface Subscriber {
    /**
     * Queues a broadcast without blocking. Called from fan-out loops, so it must never wait for the network.
     *
     * @param delivery the broadcast, shared with other subscribers
     * @return true if queued; false if this subscriber is closing or was just closed for falling behind
     */
    boolean offer(Delivery delivery);

    /**
     * @return true once the subscriber is closing: whoever adds it to a channel after this takes it out again, since
     *         its channels may already have been released
     */
    boolean closed();

    /**
     * The subscriber was added to a channel it asked to resume: called in the channel's delivery order, after
     * everything older and before anything newer, so what it queues comes exactly between the two.
     *
     * @param channel   the channel
     * @param recovered true if every broadcast since its position is in {@code missed}
     * @param missed    the broadcasts it missed, oldest first (empty when not recovered)
     */
    void resumed(String channel, boolean recovered, List<Delivery> missed);

    /**
     * Broadcasts on the channel were lost for this instance and its history cannot give them back: an opted-in
     * socket is told its state may be stale. Called in the channel's delivery order.
     *
     * @param channel the channel
     */
    void reset(String channel);
}
