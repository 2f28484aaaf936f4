package io.bifrost.gateway.ws;

import io.bifrost.gateway.edge.Connections;
import io.bifrost.gateway.edge.TrackedConnection;
import io.bifrost.protocol.Json;

import io.helidon.http.HeaderValues;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * Answers a request to {@code /subscribe} that was not upgraded, saying why: draining or the connection limit (503
 * with {@code Retry-After}), a forbidden origin (403), a wrong websocket version (426), a malformed handshake (400),
 * a method other than GET (405), or no upgrade asked for at all (426).
 */
public final class NotUpgraded implements Handler {
    private final Sessions sessions;
    private final Connections connections;
    private final OriginPolicy origins;

    /**
     * @param sessions    whether the instance drains
     * @param connections whether the request's connection came over the limit
     * @param origins     which origins may open sockets
     */
    public NotUpgraded(Sessions sessions, Connections connections, OriginPolicy origins) {
        this.sessions = sessions;
        this.connections = connections;
        this.origins = origins;
    }

    @Override
    public void handle(ServerRequest req, ServerResponse res) {
        boolean overLimit = connections.current().map(TrackedConnection::overLimit).orElse(false);
        Handshake.Refusal refusal = Handshake.check(req.prologue().method(), req.headers(), sessions.draining(),
                        overLimit, origins)
                .orElse(new Handshake.Refusal(io.helidon.http.Status.UPGRADE_REQUIRED_426,
                        "/subscribe is a websocket endpoint: connect with a websocket client", java.util.List.of(),
                        false));
        if (refusal.limit()) {
            connections.refusedForLimit();
        }
        refusal.headers().forEach(res::header);
        res.status(refusal.status()).header(HeaderValues.CONTENT_TYPE_JSON)
                .send("{\"error\":" + Json.quote(refusal.error()) + "}");
    }
}
