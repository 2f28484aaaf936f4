package io.bifrost.gateway.ws;

import java.io.UncheckedIOException;
import java.time.Duration;

import io.bifrost.gateway.edge.Connections;
import io.bifrost.gateway.edge.TrackedConnection;
import io.bifrost.gateway.ops.LogText;

import io.helidon.common.buffers.DataReader;
import io.helidon.common.buffers.DataWriter;
import io.helidon.common.concurrency.limits.Limit;
import io.helidon.webserver.CloseConnectionException;
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
    private final Connections connections;
    private final String remote;

    WsConnection(ConnectionContext ctx, TrackedConnection tracked, Sessions sessions, Connections connections) {
        this.ctx = ctx;
        this.tracked = tracked;
        this.sessions = sessions;
        this.connections = connections;
        this.remote = String.valueOf(ctx.remotePeer().address());
    }

    @Override
    public void handle(Limit limit) {
        Session session = sessions.open(this);
        FrameReader frames = new FrameReader(ctx.dataReader(), sessions.limits().maxFrameBytes());
        try {
            try {
                while (session.received(frames.next())) {
                    // One frame at a time, in order, on this thread.
                }
            } catch (ProtocolViolation violation) {
                session.violated(violation);
            }
            lingerUntilClosed();
        } catch (DataReader.InsufficientDataAvailableException | CloseConnectionException | UncheckedIOException e) {
            // The connection ended: the client went away, or the gateway cut it.
        } catch (RuntimeException e) {
            // A fault of ours, on this socket only: it is told so (1011), never in HTTP bytes or exception text, and
            // given the time to take that close frame before the connection ends.
            sessions.logLimited(System.Logger.Level.WARNING, "fault", () -> "socket " + LogText.of(remote)
                    + " failed: " + LogText.of(e));
            session.close(CloseReason.INTERNAL_ERROR);
            try {
                lingerUntilClosed();
            } catch (RuntimeException ended) {
                // The client went away, or the linger's second is over.
            }
        } finally {
            session.terminated();
        }
    }

    // After the closing handshake (or a violation's close frame) the client should end the TCP connection; until it
    // does, or a second has passed, whatever it still sends is read and dropped. Closing with unread bytes would send
    // a reset, and a reset can make the client lose the close frame it has not read yet: 1006 for a clean close.
    private void lingerUntilClosed() {
        if (tracked != null && !connections.lingering(tracked)) {
            return;
        }
        DataReader reader = ctx.dataReader();
        while (true) {
            reader.skip(reader.available());
            reader.pullData();
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
