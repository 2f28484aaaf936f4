package io.bifrost.gateway.http;

import java.util.Map;

import io.bifrost.gateway.bus.Bus;
import io.bifrost.gateway.hub.Hub;
import io.bifrost.gateway.ws.Sessions;

import io.helidon.http.Status;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * {@code GET /info.json}: Bifrost's two counters, with ours beside them. Unauthenticated, so it costs no Redis round
 * trip and no walk over sockets: every figure is a counter, or the cluster counts the heartbeat last read.
 */
public final class InfoHandler implements Handler {
    private final Hub hub;
    private final Sessions sessions;
    private final Bus bus;

    /**
     * @param hub      counts deliveries
     * @param sessions counts sockets
     * @param bus      counts sockets on other instances
     */
    public InfoHandler(Hub hub, Sessions sessions, Bus bus) {
        this.hub = hub;
        this.sessions = sessions;
        this.bus = bus;
    }

    @Override
    public void handle(ServerRequest req, ServerResponse res) {
        Map<String, Long> instances = bus.connectedByInstance();
        long connected = instances.isEmpty()
                ? sessions.connected()
                : instances.values().stream().mapToLong(Long::longValue).sum();
        Map<String, Object> body = JsonReply.object("stats", JsonReply.object(
                "deliveries", hub.deliveries(),
                "connected", connected,
                "authenticated", sessions.authenticated(),
                "channels", hub.channelCount()),
                "bus", bus.name());
        if (!instances.isEmpty()) {
            // Cluster mode: "connected" above is the cluster's; this is who holds what.
            body.put("instances", instances);
        }
        JsonReply.send(res, Status.OK_200, body);
    }
}
