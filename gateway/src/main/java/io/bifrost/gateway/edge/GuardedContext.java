package io.bifrost.gateway.edge;

import java.io.UncheckedIOException;
import java.util.Optional;
import java.util.concurrent.ExecutorService;

import io.helidon.common.buffers.DataReader;
import io.helidon.common.buffers.DataWriter;
import io.helidon.common.socket.HelidonSocket;
import io.helidon.common.socket.PeerInfo;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.ListenerContext;
import io.helidon.webserver.ProxyProtocolData;
import io.helidon.webserver.Router;
import io.helidon.webserver.ServerConnectionException;

/**
 * Helidon's view of one connection, with the reads going through the edge: it sees when a read blocks (the
 * timeouts) and what the first request is (HTTP/1.0). Everything else is Helidon's own.
 */
final class GuardedContext implements ConnectionContext {
    private final ConnectionContext delegate;
    private final TrackedConnection connection;
    private final DataReader reader;

    GuardedContext(ConnectionContext delegate, TrackedConnection connection) {
        this.delegate = delegate;
        this.connection = connection;
        HelidonSocket socket = delegate.serverSocket();
        boolean[] first = {true};
        this.reader = DataReader.create(() -> {
            byte[] bytes = read(socket);
            if (first[0] && bytes != null) {
                first[0] = false;
                return Http10.rewrite(bytes, () -> read(socket), connection);
            }
            return bytes;
        });
    }

    TrackedConnection connection() {
        return connection;
    }

    private byte[] read(HelidonSocket socket) {
        connection.readStarted();
        byte[] bytes = null;
        try {
            bytes = socket.get();
            return bytes;
        } catch (UncheckedIOException e) {
            throw new ServerConnectionException("reading from the socket failed", e);
        } finally {
            connection.readEnded(bytes != null);
        }
    }

    @Override
    public DataReader dataReader() {
        return reader;
    }

    @Override
    public DataWriter dataWriter() {
        return delegate.dataWriter();
    }

    @Override
    public ListenerContext listenerContext() {
        return delegate.listenerContext();
    }

    @Override
    public ExecutorService executor() {
        return delegate.executor();
    }

    @Override
    public Router router() {
        return delegate.router();
    }

    @Override
    public Optional<ProxyProtocolData> proxyProtocolData() {
        return delegate.proxyProtocolData();
    }

    @Override
    public HelidonSocket serverSocket() {
        return delegate.serverSocket();
    }

    @Override
    public PeerInfo remotePeer() {
        return delegate.remotePeer();
    }

    @Override
    public PeerInfo localPeer() {
        return delegate.localPeer();
    }

    @Override
    public boolean isSecure() {
        return delegate.isSecure();
    }

    @Override
    public String socketId() {
        return delegate.socketId();
    }

    @Override
    public String childSocketId() {
        return delegate.childSocketId();
    }
}
