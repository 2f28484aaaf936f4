package io.bifrost.gateway.ws;

import java.time.Duration;

import io.bifrost.gateway.edge.TrackedConnection;

import io.helidon.common.buffers.DataWriter;
import io.helidon.common.concurrency.limits.Limit;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.spi.ServerConnection;

/**
 * A connection after the websocket handshake: its thread reads the client's frames and hands them to the session
 * until the closing handshake is done or the connection ends.
 */
final class WsConnection implements ServerConnection {
    private final ConnectionContext ctx;
    private final TrackedConnection tracked;
    private final Sessions sessions;
    private final String remote;

    WsConnection(ConnectionContext ctx, TrackedConnection tracked, Sessions sessions) {
        this.ctx = ctx;
        this.tracked = tracked;
        this.sessions = sessions;
        this.remote = String.valueOf(ctx.remotePeer().address());
    }

    @Override
    public void handle(Limit limit) {
        Session session = sessions.open(this);
        FrameReader frames = new FrameReader(ctx.dataReader(), sessions.limits().maxFrameBytes());
        try {
            while (session.received(frames.next())) {
                // One frame at a time, in order, on this thread.
            }
            session.awaitCloseSent();
        } catch (ProtocolViolation violation) {
            session.violated(violation);
            session.awaitCloseSent();
        } catch (RuntimeException e) {
            // The connection ended: the client went away, or the gateway cut it.
        } finally {
            session.terminated();
        }
    }

    DataWriter writer() {
        return ctx.dataWriter();
    }

    String remote() {
        return remote;
    }

    /**
     * Ends the TCP connection: a blocked read or write on it fails at once.
     */
    void cut() {
        if (tracked != null) {
            tracked.cut();
        } else {
            try {
                ctx.serverSocket().close();
            } catch (RuntimeException e) {
                // Already closed.
            }
        }
    }

    @Override
    public Duration idleTime() {
        // Sessions keep their own liveness (pings, timeouts): Helidon's idle sweep must never close a socket.
        return Duration.ZERO;
    }

    @Override
    public void close(boolean interrupt) {
        cut();
    }
}
