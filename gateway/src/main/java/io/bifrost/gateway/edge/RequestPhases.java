package io.bifrost.gateway.edge;

import io.helidon.http.Headers;
import io.helidon.http.Status;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.http1.Http1ConnectionListener;

/**
 * Helidon's HTTP/1.1 events that move a connection from one timeout to the next: a request head read (its body and
 * handling follow), an answer begun (the connection is idle until the next request).
 */
final class RequestPhases implements Http1ConnectionListener {
    @Override
    public void headers(ConnectionContext ctx, Headers headers) {
        if (ctx instanceof GuardedContext guarded) {
            guarded.connection().moveTo(TrackedConnection.Phase.REQUEST);
        }
    }

    @Override
    public void status(ConnectionContext ctx, Status status) {
        if (ctx instanceof GuardedContext guarded && !guarded.connection().websocket()) {
            guarded.connection().moveTo(TrackedConnection.Phase.IDLE);
        }
    }
}
