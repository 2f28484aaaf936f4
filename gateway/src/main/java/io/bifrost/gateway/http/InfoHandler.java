package io.bifrost.gateway.http;

import io.bifrost.gateway.hub.Hub;
import io.bifrost.gateway.ws.Sessions;

import io.helidon.http.Status;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * {@code GET /info.json}: Bifrost's two counters, with ours beside them.
 */
public final class InfoHandler implements Handler {
    private final Hub hub;
    private final Sessions sessions;
    private final String busName;

    /**
     * @param hub      counts deliveries
     * @param sessions counts sockets
     * @param busName  which bus runs
     */
    public InfoHandler(Hub hub, Sessions sessions, String busName) {
        this.hub = hub;
        this.sessions = sessions;
        this.busName = busName;
    }

    @Override
    public void handle(ServerRequest req, ServerResponse res) {
        JsonReply.send(res, Status.OK_200, JsonReply.object("stats", JsonReply.object(
                "deliveries", hub.deliveries(),
                "connected", sessions.connected(),
                "authenticated", sessions.authenticated(),
                "channels", hub.channels().size()),
                "bus", busName));
    }
}
