package io.bifrost.gateway.ops;

import java.util.Locale;
import java.util.function.Supplier;

import io.bifrost.gateway.bus.Bus;
import io.bifrost.gateway.dashboard.Dashboard;
import io.bifrost.gateway.edge.Connections;
import io.bifrost.gateway.hub.Hub;
import io.bifrost.gateway.ws.Sessions;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/**
 * {@code GET /metrics}: this instance's meters in the Prometheus text format, with the JVM's (memory, GC, threads,
 * classes, CPU, uptime) beside them. Names follow Prometheus conventions ({@code _total} counters, {@code _seconds}
 * histograms); docs/OPERATIONS.md lists them. Every gauge reads a figure the gateway keeps anyway, when scraped.
 */
public final class MetricsHandler implements Handler, AutoCloseable {
    private final PrometheusMeterRegistry registry;
    // Holds a JMX listener per registry: released when the gateway stops.
    private final JvmGcMetrics gc = new JvmGcMetrics();

    /**
     * Registers every gauge and JVM meter in the stats' registry.
     *
     * @param stats       counters and histograms, and the registry
     * @param hub         channels and deliveries
     * @param sessions    sockets
     * @param bus         Redis state
     * @param connections TCP connections against the limit
     * @param dashboard   its event streams
     */
    public MetricsHandler(Stats stats, Hub hub, Sessions sessions, Bus bus, Connections connections,
                          Dashboard dashboard) {
        this.registry = stats.registry();
        gauge("bifrost.sockets.open", "Websocket connections open on this instance.", sessions::connected);
        gauge("bifrost.sessions.authenticated", "Open sockets that have authenticated.", sessions::authenticated);
        gauge("bifrost.channels", "Channels with at least one socket on this instance.", hub::channelCount);
        gauge("bifrost.subscriptions", "Socket-channel memberships on this instance.", sessions::subscriptions);
        gauge("bifrost.draining", "1 while this instance drains before stopping.", () -> sessions.draining() ? 1 : 0);
        FunctionCounter.builder("bifrost.deliveries", hub, Hub::deliveries)
                .description("Broadcast frames queued to this instance's sockets.").register(registry);
        gauge("bifrost.backlog.deliveries", "Deliveries queued on reading sockets and not yet written; above"
                + " BIFROST_MAX_BACKLOG broadcasts to their channels are held back.", () -> hub.backlog().pending());
        gauge("bifrost.backlog.stalled.deliveries", "Deliveries queued on sockets whose writes are blocked (not"
                + " reading); not counted against BIFROST_MAX_BACKLOG.", () -> hub.backlog().stalled());
        gauge("bifrost.connections.open", "TCP connections open on this instance (websockets and HTTP).",
                connections::open);
        gauge("bifrost.connections.limit", "Connections served at once (BIFROST_MAX_CONNECTIONS); above it websocket"
                + " upgrades get 503.", () -> connections.capacity().max());
        FunctionCounter.builder("bifrost.connections.refused", connections, Connections::refused)
                .description("Connections refused, by reason.").tag("reason", "limit").register(registry);
        for (Connections.Timeout why : Connections.Timeout.values()) {
            FunctionCounter.builder("bifrost.connections.timed.out", connections, c -> c.timedOut(why))
                    .description("Connections cut for holding a descriptor without sending: no request head in"
                            + " time, a slow body, or an idle keep-alive.")
                    .tag("phase", why.name().toLowerCase(Locale.ROOT)).register(registry);
        }
        gauge("bifrost.bus.up", "1 when the bus takes broadcasts (Redis reachable in cluster mode).",
                () -> bus.health().up() ? 1 : 0);
        FunctionCounter.builder("bifrost.redis.reconnects", bus, Bus::reconnects)
                .description("Times the Redis connection was re-established.").register(registry);
        gauge("bifrost.redis.channels.subscribed", "Redis channels this instance is subscribed to.",
                bus::subscribedChannels);
        gauge("bifrost.dashboard.streams", "Dashboard event streams open on this instance.", dashboard::streams);
        FunctionCounter.builder("bifrost.dashboard.streams.refused", dashboard, Dashboard::streamsRefused)
                .description("Dashboard event streams refused for the limit of streams at once.").register(registry);
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
    }

    private void gauge(String name, String description, Supplier<Number> value) {
        Gauge.builder(name, value).description(description).strongReference(true).register(registry);
    }

    @Override
    public void handle(ServerRequest req, ServerResponse res) {
        res.header(HeaderNames.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8").send(render());
    }

    String render() {
        return registry.scrape();
    }

    @Override
    public void close() {
        gc.close();
        registry.close();
    }
}
