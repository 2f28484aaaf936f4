package io.bifrost.gateway.ws;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

import io.bifrost.gateway.edge.Connections;
import io.bifrost.gateway.edge.TrackedConnection;

import io.helidon.common.buffers.BufferData;
import io.helidon.http.HttpPrologue;
import io.helidon.http.WritableHeaders;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.http1.spi.Http1Upgrader;
import io.helidon.webserver.spi.ServerConnection;

/**
 * Upgrades {@code GET /subscribe} to the gateway's own websocket connection. A request the handshake refuses is not
 * upgraded: it goes on to the {@code /subscribe} route, which answers why ({@link NotUpgraded}).
 *
 * <p>Helidon 4.5.0's websocket module is not used: it answered reserved opcodes with HTTP bytes in the websocket
 * stream, several violations with 1011 and exception text, and refused upgrades with a bare 400.
 */
public final class WsUpgrade implements Http1Upgrader {
    /** The one path that upgrades. */
    public static final String PATH = "/subscribe";

    private final String token;
    private final Sessions sessions;
    private final Connections connections;
    private final OriginPolicy origins;

    /**
     * @param token       the {@code Upgrade} header value this instance is registered for (Helidon matches it
     *                    exactly, so one instance per common spelling)
     * @param sessions    where sockets go
     * @param connections the edge, which stops timing a connection once it is a websocket
     * @param origins     which origins may open sockets
     */
    public WsUpgrade(String token, Sessions sessions, Connections connections, OriginPolicy origins) {
        this.token = token;
        this.sessions = sessions;
        this.connections = connections;
        this.origins = origins;
    }

    @Override
    public String supportedProtocol() {
        return token;
    }

    @Override
    public ServerConnection upgrade(ConnectionContext ctx, HttpPrologue prologue, WritableHeaders<?> headers) {
        if (!PATH.equals(prologue.uriPath().rawPath())) {
            return null;
        }
        Optional<TrackedConnection> tracked = connections.current();
        boolean overLimit = tracked.map(TrackedConnection::overLimit).orElse(false);
        if (Handshake.check(prologue.method(), headers, sessions.draining(), overLimit, origins).isPresent()) {
            return null;
        }
        String accept = Handshake.accept(headers.first(Handshake.SEC_WEBSOCKET_KEY).orElseThrow());
        ctx.dataWriter().writeNow(BufferData.create(("HTTP/1.1 101 Switching Protocols\r\n"
                + "Upgrade: websocket\r\n"
                + "Connection: Upgrade\r\n"
                + "Sec-WebSocket-Accept: " + accept + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII)));
        tracked.ifPresent(connections::upgraded);
        return new WsConnection(ctx, tracked.orElse(null), sessions, connections);
    }
}
