package io.bifrost.gateway.dashboard;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.Set;
import java.util.function.DoubleFunction;
import java.util.function.IntSupplier;

import io.bifrost.gateway.bus.Bus;
import io.bifrost.gateway.bus.InstanceReport;
import io.bifrost.gateway.config.Mode;
import io.bifrost.gateway.edge.Connections;
import io.bifrost.gateway.http.Pages;
import io.bifrost.gateway.hub.Hub;
import io.bifrost.gateway.ops.Stats;
import io.bifrost.protocol.Json;
import io.bifrost.protocol.Tokens;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRules;

/**
 * {@code GET /dashboard}: the live dashboard, a page of plain JS and SVG fed by {@code GET /dashboard/stream}, with a
 * "try it" panel in development ({@code POST /dashboard/try}). Off in production unless
 * {@code BIFROST_DASHBOARD_TOKEN} is set, and then behind it ({@link DashboardGate}).
 */
public final class Dashboard implements AutoCloseable {
    /** The page. */
    public static final String PATH = "/dashboard";
    /** Its event stream. */
    public static final String STREAM_PATH = "/dashboard/stream";
    /** Its "try it" panel's tokens. */
    public static final String TRY_PATH = "/dashboard/try";
    /** Every path it serves, for the edge's list. */
    public static final Set<String> PATHS = Set.of(PATH, STREAM_PATH, TRY_PATH);

    private final DashboardGate gate;
    private final Sampler sampler;
    private final DashboardStream stream;
    private final TryIt tryIt;
    private final String page;

    /**
     * What the dashboard reads and how it is guarded.
     *
     * @param instance    this instance's id ({@code BIFROST_INSTANCE_ID}, or {@code local} for the in-process bus)
     * @param mode        development shows the "try it" panel and, without a token, serves the dashboard openly
     * @param token       {@code BIFROST_DASHBOARD_TOKEN}
     * @param tokens      mints the panel's tokens
     * @param stats       counters and histograms
     * @param hub         channels and deliveries
     * @param sockets     open sockets on this instance
     * @param bus         the cluster
     * @param connections TCP connections
     * @param self        this instance's report, given its deliveries per second
     */
    public Dashboard(String instance, Mode mode, Optional<String> token, Tokens tokens, Stats stats, Hub hub,
                     IntSupplier sockets, Bus bus, Connections connections, DoubleFunction<InstanceReport> self) {
        this.gate = new DashboardGate(mode, token);
        this.sampler = new Sampler(new Sampler.Sources(instance, stats, hub, sockets, bus, connections, self));
        this.stream = new DashboardStream(sampler, connections);
        this.tryIt = new TryIt(mode, tokens);
        this.page = new String(Pages.resource(Dashboard.class, "dashboard.html"), StandardCharsets.UTF_8)
                .replace("@INSTANCE@", Json.quote(instance))
                .replace("@MODE@", Json.quote(mode.name().toLowerCase(java.util.Locale.ROOT)));
    }

    /**
     * Adds the dashboard's routes.
     *
     * @param rules HTTP routing rules
     */
    public void register(HttpRules rules) {
        rules.get(PATH, gate.guard((req, res) -> res.header(Pages.HTML)
                .header(HeaderNames.CACHE_CONTROL, "no-store")
                // The page's address may hold its token: no other site is told it.
                .header("Referrer-Policy", "no-referrer")
                .send(page.replace("@TRY@", Boolean.toString(tryIt.allowed(req))))));
        rules.get(STREAM_PATH, gate.guard(stream));
        rules.post(TRY_PATH, gate.guard(tryIt));
    }

    /**
     * @return dashboard streams open now
     */
    public int streams() {
        return stream.open();
    }

    /**
     * @return dashboard streams refused for the limit since start
     */
    public long streamsRefused() {
        return stream.refused();
    }

    /**
     * Ends every stream (the server stops next).
     */
    @Override
    public void close() {
        sampler.close();
    }
}
