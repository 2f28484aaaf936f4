package io.bifrost.gateway.hub;

/**
 * Something the hub delivers frames to: one client socket.
 */
public interface Subscriber {
    /**
     * Queues a frame without blocking. Called from fan-out loops, so it must never wait for the network.
     *
     * @param frame the frame, shared with other subscribers
     * @return true if queued; false if this subscriber is closing or was just closed for falling behind
     */
    boolean offer(WireFrame frame);
}
