package io.bifrost.gateway.ops;

import io.bifrost.gateway.bus.Bus;
import io.bifrost.gateway.dashboard.Dashboard;
import io.bifrost.gateway.edge.Connections;
import io.bifrost.gateway.hub.Hub;
import io.bifrost.gateway.ws.Sessions;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * {@code GET /metrics}: this instance's metrics in the Prometheus text format. Names follow Prometheus conventions
 * ({@code _total} counters, {@code _seconds} histograms); the README lists them.
 */
public final class MetricsHandler implements Handler {
    private final Stats stats;
    private final Hub hub;
    private final Sessions sessions;
    private final Bus bus;
    private final Connections connections;
    private final Dashboard dashboard;

    /**
     * @param stats    counters and histograms
     * @param hub      channels and deliveries
     * @param sessions sockets
     * @param bus      Redis state
     * @param connections TCP connections against the limit
     * @param dashboard   its event streams
     */
    public MetricsHandler(Stats stats, Hub hub, Sessions sessions, Bus bus, Connections connections,
                          Dashboard dashboard) {
        this.stats = stats;
        this.hub = hub;
        this.sessions = sessions;
        this.bus = bus;
        this.connections = connections;
        this.dashboard = dashboard;
    }

    @Override
    public void handle(ServerRequest req, ServerResponse res) {
        res.header(HeaderNames.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8").send(render());
    }

    String render() {
        StringBuilder out = new StringBuilder(4096);
        Stats.gauge(out, "bifrost_sockets_open", "Websocket connections open on this instance.", sessions.connected());
        Stats.gauge(out, "bifrost_sessions_authenticated", "Open sockets that have authenticated.",
                sessions.authenticated());
        Stats.gauge(out, "bifrost_channels", "Channels with at least one socket on this instance.",
                hub.channelCount());
        Stats.gauge(out, "bifrost_subscriptions", "Socket-channel memberships on this instance.",
                sessions.subscriptions());
        Stats.gauge(out, "bifrost_draining", "1 while this instance drains before stopping.",
                sessions.draining() ? 1 : 0);
        Stats.counter(out, "bifrost_deliveries_total", "Broadcast frames queued to this instance's sockets.",
                hub.deliveries());
        Stats.gauge(out, "bifrost_backlog_deliveries", "Deliveries queued on reading sockets and not yet written;"
                + " above BIFROST_MAX_BACKLOG broadcasts to their channels are held back.", hub.backlog().pending());
        Stats.gauge(out, "bifrost_backlog_stalled_deliveries", "Deliveries queued on sockets whose writes are"
                + " blocked (not reading); not counted against BIFROST_MAX_BACKLOG.",
                hub.backlog().stalled());
        stats.renderCounters(out);
        Stats.gauge(out, "bifrost_connections_open", "TCP connections open on this instance (websockets and HTTP).",
                connections.open());
        Stats.gauge(out, "bifrost_connections_limit", "Connections served at once (BIFROST_MAX_CONNECTIONS); above it"
                + " websocket upgrades get 503.", connections.capacity().max());
        out.append("# HELP bifrost_connections_refused_total Connections refused, by reason.\n")
                .append("# TYPE bifrost_connections_refused_total counter\n")
                .append("bifrost_connections_refused_total{reason=\"limit\"} ").append(connections.refused())
                .append('\n');
        out.append("# HELP bifrost_connections_timed_out_total Connections cut for holding a descriptor without"
                        + " sending: no request head in time, a slow body, or an idle keep-alive.\n")
                .append("# TYPE bifrost_connections_timed_out_total counter\n");
        for (Connections.Timeout why : Connections.Timeout.values()) {
            out.append("bifrost_connections_timed_out_total{phase=\"")
                    .append(why.name().toLowerCase(java.util.Locale.ROOT)).append("\"} ")
                    .append(connections.timedOut(why)).append('\n');
        }
        Stats.gauge(out, "bifrost_bus_up", "1 when the bus takes broadcasts (Redis reachable in cluster mode).",
                bus.health().up() ? 1 : 0);
        Stats.counter(out, "bifrost_redis_reconnects_total", "Times the Redis connection was re-established.",
                bus.reconnects());
        Stats.gauge(out, "bifrost_redis_channels_subscribed", "Redis channels this instance is subscribed to.",
                bus.subscribedChannels());
        Stats.gauge(out, "bifrost_dashboard_streams", "Dashboard event streams open on this instance.",
                dashboard.streams());
        Stats.counter(out, "bifrost_dashboard_streams_refused_total", "Dashboard event streams refused for the"
                + " limit of streams at once.", dashboard.streamsRefused());
        return out.toString();
    }
}
