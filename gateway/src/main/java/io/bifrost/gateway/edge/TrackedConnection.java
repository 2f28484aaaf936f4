package io.bifrost.gateway.edge;

import io.helidon.common.socket.HelidonSocket;

/**
 * One accepted TCP connection as the edge sees it: where it is in its life, and until when it may stay there.
 *
 * <p>Written by the connection's own thread (and Helidon's listeners, which run on it); read by the sweeper that
 * cuts connections past their deadline.
 */
public final class TrackedConnection {
    /** Where a connection is, for the timeouts. */
    enum Phase {
        /** Waiting for a request head: since accept, or since the first byte of a later request. */
        HEAD,
        /** Head read; the request's body, if any, is being read and the request handled. */
        REQUEST,
        /** Answered; waiting for the next request on a kept-alive connection. */
        IDLE,
        /** Upgraded to a websocket: the session's own timeouts (authentication, pings) apply. */
        WEBSOCKET,
        /** Answering with a long-lived stream (the dashboard's events): the stream's own stall check applies. */
        STREAM,
        /** Answered for the last time: reading what the client still sends until it closes. */
        LINGER
    }

    private final HelidonSocket socket;
    private final boolean overLimit;
    private final long acceptedNanos = System.nanoTime();
    private volatile Phase phase = Phase.HEAD;
    private volatile long phaseSinceNanos = acceptedNanos;
    // When a read of the socket began and is still blocked (0: none), so a request's handler that is not reading
    // (waiting for Redis, say) is never taken for a slow body.
    private volatile long readingSinceNanos;
    private volatile boolean closeAfterAnswer;
    private volatile boolean http10;
    // The request being served announced a body (Content-Length above 0, or Transfer-Encoding): some of it may be
    // unread when the connection ends.
    private volatile boolean bodyAnnounced;
    private volatile boolean cut;

    TrackedConnection(HelidonSocket socket, boolean overLimit) {
        this.socket = socket;
        this.overLimit = overLimit;
        this.closeAfterAnswer = overLimit;
    }

    /**
     * @return true if this connection was accepted while the instance was at its connection limit: a websocket
     *         upgrade on it is refused with 503, and an HTTP request is answered and the connection closed
     */
    public boolean overLimit() {
        return overLimit;
    }

    /**
     * @return true once this connection is a websocket
     */
    public boolean websocket() {
        return phase == Phase.WEBSOCKET;
    }

    /**
     * @return true while this connection answers with a long-lived stream
     */
    public boolean streaming() {
        return phase == Phase.STREAM;
    }

    /**
     * The connection became a websocket: the HTTP timeouts no longer apply.
     */
    public void upgraded() {
        moveTo(Phase.WEBSOCKET);
    }

    Phase phase() {
        return phase;
    }

    long phaseSinceNanos() {
        return phaseSinceNanos;
    }

    long acceptedNanos() {
        return acceptedNanos;
    }

    long readingSinceNanos() {
        return readingSinceNanos;
    }

    void moveTo(Phase next) {
        phaseSinceNanos = System.nanoTime();
        phase = next;
    }

    void readStarted() {
        readingSinceNanos = System.nanoTime() | 1;
    }

    void readEnded(boolean gotBytes) {
        readingSinceNanos = 0;
        if (gotBytes && phase == Phase.IDLE) {
            // The first byte of the next request: its head now has the header timeout.
            moveTo(Phase.HEAD);
        }
    }

    void bodyAnnounced(boolean announced) {
        bodyAnnounced = announced;
    }

    /**
     * @return true if the client may still have sent bytes the gateway did not read: a request cut off in its head, or
     *         one that announced a body
     */
    boolean mayHaveUnreadBytes() {
        return phase == Phase.HEAD || bodyAnnounced;
    }

    void closeAfterAnswer() {
        closeAfterAnswer = true;
    }

    boolean closesAfterAnswer() {
        return closeAfterAnswer;
    }

    void markHttp10() {
        http10 = true;
        closeAfterAnswer = true;
    }

    boolean http10() {
        return http10;
    }

    /**
     * Cuts the connection: blocked reads and writes on it fail, and Helidon releases it.
     */
    public void cut() {
        cut = true;
        try {
            socket.close();
        } catch (RuntimeException e) {
            // Already closed: nothing left to release.
        }
    }

    boolean wasCut() {
        return cut;
    }
}
