package io.bifrost.gateway.edge;

import io.helidon.http.HeaderNames;
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
            guarded.connection().bodyAnnounced(headers.contains(HeaderNames.TRANSFER_ENCODING)
                    || headers.contains(HeaderNames.CONTENT_LENGTH) && announcesBody(headers));
        }
    }

    // Malformed or duplicate Content-Length throws here; Helidon refuses such a request with 400 right after, and this
    // listener must not turn that into a 500. Unreadable framing counts as a body that may be unread.
    private static boolean announcesBody(Headers headers) {
        try {
            return headers.contentLength().orElse(0) > 0;
        } catch (RuntimeException e) {
            return true;
        }
    }

    @Override
    public void status(ConnectionContext ctx, Status status) {
        if (ctx instanceof GuardedContext guarded && !guarded.connection().websocket()
                && !guarded.connection().streaming()) {
            guarded.connection().moveTo(TrackedConnection.Phase.IDLE);
        }
    }
}
