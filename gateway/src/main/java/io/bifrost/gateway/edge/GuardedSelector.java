package io.bifrost.gateway.edge;

import java.time.Duration;
import java.util.Set;

import io.helidon.common.buffers.BufferData;
import io.helidon.common.buffers.DataReader;
import io.helidon.common.concurrency.limits.Limit;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.ServerConnectionException;
import io.helidon.webserver.spi.ServerConnection;
import io.helidon.webserver.spi.ServerConnectionSelector;

/**
 * The listener's only connection selector, so Helidon hands it every connection the moment it is accepted, before
 * a byte is read: the edge counts it, gives it its deadlines, and passes it on to HTTP/1.1 through its own reads.
 */
final class GuardedSelector implements ServerConnectionSelector {
    private final ServerConnectionSelector http1;
    private final Connections connections;

    GuardedSelector(ServerConnectionSelector http1, Connections connections) {
        this.http1 = http1;
        this.connections = connections;
    }

    @Override
    public int bytesToIdentifyConnection() {
        return 0;
    }

    @Override
    public Support supports(BufferData request) {
        return Support.SUPPORTED;
    }

    @Override
    public Set<String> supportedApplicationProtocols() {
        return http1.supportedApplicationProtocols();
    }

    @Override
    public ServerConnection connection(ConnectionContext ctx) {
        TrackedConnection connection = connections.accepted(ctx.serverSocket());
        GuardedContext guarded = new GuardedContext(ctx, connection);
        return new Guarded(http1.connection(guarded), guarded, connections);
    }

    /** Helidon's HTTP/1.1 connection, run so that the edge knows when it ends and which connection a thread serves. */
    private static final class Guarded implements ServerConnection {
        private final ServerConnection delegate;
        private final GuardedContext ctx;
        private final TrackedConnection connection;
        private final Connections connections;

        Guarded(ServerConnection delegate, GuardedContext ctx, Connections connections) {
            this.delegate = delegate;
            this.ctx = ctx;
            this.connection = ctx.connection();
            this.connections = connections;
        }

        @Override
        public void handle(Limit limit) throws InterruptedException {
            connections.serving(connection);
            try {
                delegate.handle(limit);
                linger();
            } catch (CloseConnectionException e) {
                if (!(e instanceof ServerConnectionException)) {
                    linger();
                }
                throw e;
            } finally {
                connections.ended(connection);
            }
        }

        // The answer is out and the connection is to end: read and drop what the client still sends until it closes
        // (or the sweeper cuts it), so the close is a FIN, not a reset that could make the client lose the answer.
        private void linger() {
            if (connection.websocket() || connection.wasCut()) {
                return;
            }
            DataReader reader = ctx.dataReader();
            // Nothing unread and nothing announced: the close cannot turn into a reset, and the slot is freed at once.
            if (reader.available() == 0 && !connection.mayHaveUnreadBytes()) {
                return;
            }
            if (!connections.lingering(connection)) {
                return;
            }
            try {
                while (true) {
                    reader.skip(reader.available());
                    reader.pullData();
                }
            } catch (RuntimeException e) {
                // The client closed, or the sweeper cut the connection: done.
            }
        }

        @Override
        public Duration idleTime() {
            return delegate.idleTime();
        }

        @Override
        public void close(boolean interrupt) {
            delegate.close(interrupt);
        }
    }
}
