package io.bifrost.gateway;

import java.lang.System.Logger.Level;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import io.bifrost.gateway.bus.Bus;
import io.bifrost.gateway.bus.InstanceReport;
import io.bifrost.gateway.bus.BusUnavailableException;
import io.bifrost.gateway.bus.LocalBus;
import io.bifrost.gateway.bus.RedisBus;
import io.bifrost.gateway.config.GatewayConfig;
import io.bifrost.gateway.config.RedisSettings;
import io.bifrost.gateway.dashboard.Dashboard;
import io.bifrost.gateway.edge.Capacity;
import io.bifrost.gateway.edge.Connections;
import io.bifrost.gateway.http.BroadcastHandler;
import io.bifrost.gateway.http.BrowserScript;
import io.bifrost.gateway.http.InfoHandler;
import io.bifrost.gateway.http.Pages;
import io.bifrost.gateway.hub.Backlog;
import io.bifrost.gateway.hub.Hub;
import io.bifrost.gateway.ops.LogText;
import io.bifrost.gateway.ops.MetricsHandler;
import io.bifrost.gateway.ops.PerSecond;
import io.bifrost.gateway.ops.Stats;
import io.bifrost.gateway.warmup.Warmup;
import io.bifrost.gateway.ws.NotUpgraded;
import io.bifrost.gateway.ws.OriginPolicy;
import io.bifrost.gateway.ws.Sessions;
import io.bifrost.gateway.ws.WsUpgrade;
import io.bifrost.protocol.Json;
import io.bifrost.protocol.Tokens;

import io.helidon.common.socket.SocketOptions;
import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.helidon.webserver.http1.Http1Config;
import io.helidon.webserver.http1.Http1ConnectionSelector;
import io.helidon.webserver.http1.Http1ConnectionSelectorConfig;

/**
 * A running gateway: the embeddable entry point. Configuration in, bound port out; any number per JVM.
 *
 * <pre>{@code
 * try (Gateway gateway = Gateway.start(GatewayConfig.embedded(secret))) {
 *     URI base = gateway.uri();            // http://127.0.0.1:<port>/, for BifrostClient and plain HTTP
 *     URI ws = gateway.websocketUri();     // ws://127.0.0.1:<port>/subscribe, for any websocket client
 * }
 * }</pre>
 */
public final class Gateway implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Gateway.class.getName());
    /** Every path the gateway serves; anything else, aliases included, is a 404 before any handler runs. */
    private static final Set<String> PATHS = union(Set.of("/", "/test", Pages.STYLE_PATH, BrowserScript.PATH,
            "/info.json", "/health/live", "/health/ready", "/metrics", WsUpgrade.PATH, "/broadcast"), Dashboard.PATHS);
    /** Helidon matches the Upgrade header's value exactly; the spellings clients send. */
    private static final List<String> UPGRADE_TOKENS = List.of("websocket", "WebSocket", "Websocket", "WEBSOCKET");

    private final GatewayConfig config;
    private final Tokens tokens;
    private final Hub hub;
    private final Bus bus;
    private final Stats stats;
    private final Sessions sessions;
    private final Connections connections;
    private final Dashboard dashboard;
    private final MetricsHandler metrics;
    private final String instance;
    // Only the heartbeat thread reads it.
    private final PerSecond heartbeatDeliveries = new PerSecond();
    private final WebServer server;
    private final AtomicBoolean closed = new AtomicBoolean();
    // True from start until the warm-up ends: readiness says so.
    private volatile boolean warming;
    private final CompletableFuture<Warmup.Result> warmedUp = new CompletableFuture<>();
    // The warm-up's twin while it runs: closed with the gateway, so that a stop during the warm-up leaves nothing of
    // it in Redis.
    private volatile Gateway twin;

    private Gateway(GatewayConfig config) {
        this.config = config;
        this.tokens = new Tokens(config.jwtSecret());
        // Before the server starts, so that no readiness answer comes before the warm-up.
        this.warming = config.warmup().isPositive();
        if (!warming) {
            warmedUp.complete(new Warmup.Result(0, 0, Duration.ZERO, Optional.of("it is off")));
        }
        this.hub = new Hub(new Backlog(config.limits().maxBacklog()));
        this.stats = new Stats();
        this.instance = config.redis().map(RedisSettings::instanceId).orElse("local");
        this.bus = config.redis().isPresent()
                ? connectRedis(config.redis().get())
                : new LocalBus(hub, stats, config.recovery());
        this.sessions = new Sessions(hub, bus, tokens, config.limits(), stats);
        Pages pages = new Pages(config.mode(), tokens);
        BroadcastHandler broadcast = new BroadcastHandler(tokens, bus, stats, config.limits().maxBodyBytes(),
                config.limits().backlogWait(), config.recovery());
        InfoHandler info = new InfoHandler(hub, sessions, bus);
        Capacity capacity;
        try {
            capacity = Capacity.forThisProcess(config.connections().maxConnections());
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
        this.connections = new Connections(capacity, config.connections());
        this.dashboard = new Dashboard(instance, config.mode(), config.dashboardToken(), tokens, stats, hub,
                sessions::connected, bus, connections, this::report);
        this.metrics = new MetricsHandler(stats, hub, sessions, bus, connections, dashboard);
        OriginPolicy origins = new OriginPolicy(config.allowedOrigins());
        Http1ConnectionSelectorConfig.Builder http1 = Http1ConnectionSelector.builder()
                .config(Http1Config.builder()
                        .addReceiveListener(connections.phases())
                        .addSendListener(connections.phases())
                        .build());
        UPGRADE_TOKENS.forEach(token -> http1.addUpgrader(new WsUpgrade(token, sessions, connections, origins)));
        NotUpgraded notUpgraded = new NotUpgraded(sessions, connections, origins);
        this.server = WebServer.builder()
                .host(config.host())
                .port(config.port())
                // Every connection goes through the edge first (limits, timeouts, HTTP/1.0), then to HTTP/1.1 with
                // the gateway's own websocket upgrade; nothing Helidon discovers on the classpath is added.
                .protocolsDiscoverServices(false)
                .addConnectionSelector(connections.selector(http1.build()))
                // Below the open-file limit, so accept never fails for lack of descriptors (see Capacity).
                .maxTcpConnections(capacity.hardCap())
                .directHandlers(connections.directAnswers())
                // Gateway.close decides the order of shutdown: sockets first, then the server.
                .shutdownHook(false)
                // Small frames go out at once: Nagle's algorithm with the client's delayed ACK held a frame that
                // followed another by ~40 ms. Frames waiting together are still coalesced by the session writer.
                .connectionOptions(SocketOptions.builder().tcpNoDelay(true).build())
                // Helidon 4.5's default socket (NIO) holds an 8 KB read and an 8 KB write buffer per connection, idle
                // or not: 8 KB more per idle socket than the plain socket, which reads into one and writes ours as is.
                .useNio(false)
                // Our own limit, so an oversized body gets our JSON 413 rather than a bare one.
                .maxPayloadSize(-1)
                .routing(HttpRouting.builder()
                        .addFilter(connections.filter(PATHS))
                        .register(pages::register)
                        .register(dashboard::register)
                        .get(BrowserScript.PATH, new BrowserScript())
                        .get("/info.json", info)
                        .get("/health/live", (req, res) -> res.header(HeaderValues.CONTENT_TYPE_JSON)
                                .send("{\"status\":\"UP\"}"))
                        .get("/health/ready", this::ready)
                        .get("/metrics", metrics)
                        // Reached only when a websocket upgrade was refused or not asked for.
                        .any(WsUpgrade.PATH, notUpgraded)
                        .post("/broadcast", broadcast)
                        .any("/broadcast", (req, res) -> res.status(Status.METHOD_NOT_ALLOWED_405)
                                .header(HeaderValues.CONTENT_TYPE_JSON)
                                .header("Allow", "POST").send("{\"error\":\"use POST /broadcast\"}")))
                .build();
    }

    private Bus connectRedis(RedisSettings settings) {
        try {
            // Sessions do not exist yet; the count is read later, when the bus heartbeats.
            return RedisBus.connect(hub, stats, settings, config.recovery(),
                    () -> this.sessions == null ? 0 : this.sessions.connected(),
                    () -> report(heartbeatDeliveries.update(hub.deliveries(), System.nanoTime())));
        } catch (BusUnavailableException e) {
            throw new IllegalStateException(e.getMessage() + "; check REDIS_URL", e);
        }
    }

    /**
     * What this instance says about itself: in its heartbeat and on the dashboard. Called by the bus's first heartbeat
     * too, before sessions and the bus exist.
     */
    private InstanceReport report(double deliveriesPerSecond) {
        Sessions current = this.sessions;
        Bus currentBus = this.bus;
        return new InstanceReport(instance, current == null ? 0 : current.connected(), hub.channelCount(),
                deliveriesPerSecond, hub.backlog().pending(), currentBus == null || currentBus.health().up(),
                current != null && current.draining());
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> all = new java.util.HashSet<>(a);
        all.addAll(b);
        return Set.copyOf(all);
    }

    private void ready(ServerRequest req, ServerResponse res) {
        Bus.Health health = sessions.draining() ? new Bus.Health(false, "draining")
                : warming ? new Bus.Health(false, "warming up") : bus.health();
        res.status(health.up() ? Status.OK_200 : Status.SERVICE_UNAVAILABLE_503)
                .header(HeaderValues.CONTENT_TYPE_JSON)
                // Ordered keys: the same bytes every time (Map.of iterates in a per-JVM random order).
                .send("{\"status\":\"" + (health.up() ? "UP" : "DOWN") + "\",\"detail\":" + Json.quote(health.detail())
                        + "}");
    }

    /**
     * Starts a gateway and returns once it accepts connections. With a warm-up configured
     * ({@link GatewayConfig#warmup()}), it runs in the background and readiness waits for it ({@link #warmedUp()}).
     *
     * @param config the configuration
     * @return the running gateway
     * @throws IllegalStateException if it cannot start, e.g. Redis is unreachable; the message says why
     */
    public static Gateway start(GatewayConfig config) {
        Gateway gateway = launch(config);
        LOG.log(Level.INFO, "Bifrost gateway listening on " + config.host() + ":" + gateway.port() + " ("
                + config.mode().name().toLowerCase(Locale.ROOT) + " mode, " + gateway.bus.name() + " bus, "
                + gateway.connections.capacity().describe() + ", limits " + config.limits() + ")");
        if (gateway.warming) {
            Thread.ofPlatform().daemon().name("bifrost-warmup").start(gateway::warmUp);
        }
        return gateway;
    }

    private static Gateway launch(GatewayConfig config) {
        Gateway gateway = new Gateway(config);
        gateway.server.start();
        if (!gateway.server.isRunning() || gateway.port() < 0) {
            // Helidon logs the bind failure and carries on with no listener: a gateway that serves nothing must not
            // say it is listening (on port -1) and keep running.
            gateway.close();
            throw new IllegalStateException("could not listen on " + config.host() + ":" + config.port()
                    + ": the port is taken by another process or not permitted; stop what holds it or set PORT (or"
                    + " BIFROST_HOST) to another");
        }
        return gateway;
    }

    // On its own thread: the gateway serves whoever connects meanwhile, and readiness says "warming up".
    private void warmUp() {
        Warmup.Result result = new Warmup.Result(0, 0, Duration.ZERO, Optional.of("it failed"));
        try {
            result = warmUpOnATwin();
            logWarmup(result);
        } finally {
            // Whatever happened, readiness no longer waits for it.
            warming = false;
            warmedUp.complete(result);
        }
    }

    private Warmup.Result warmUpOnATwin() {
        try (Gateway twin = launch(Warmup.twin(config))) {
            this.twin = twin;
            if (closed.get()) {
                return new Warmup.Result(0, 0, Duration.ZERO, Optional.of("the gateway is stopping"));
            }
            Warmup warmup = new Warmup(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), twin.port()), tokens,
                    config.recovery().requireJti(), this::stopping);
            return warmup.run(config.warmup());
        } catch (IOException | InterruptedException | RuntimeException e) {
            return new Warmup.Result(0, 0, Duration.ZERO, Optional.of("it failed: " + e.getMessage()));
        }
    }

    private void logWarmup(Warmup.Result result) {
        String did = String.format(Locale.ROOT, "%.1f s on a twin of the gateway: %,d sockets, %,d broadcasts",
                result.took().toMillis() / 1000.0, result.connects(), result.broadcasts());
        if (result.stoppedEarly().isEmpty()) {
            LOG.log(Level.INFO, "warmed up in " + did + "; ready");
        } else if (stopping()) {
            LOG.log(Level.INFO, "warm-up stopped after " + did + ": the gateway is stopping");
        } else {
            LOG.log(Level.WARNING, "warm-up stopped after " + did + ": " + LogText.of(result.stoppedEarly().get())
                    + "; ready without the rest (BIFROST_WARMUP_SECONDS sets its budget, 0 turns it off)");
        }
    }

    private boolean stopping() {
        return closed.get() || sessions.draining();
    }

    /**
     * @return completed when the warm-up is over (at once when it is off), with what it did; readiness waits for it
     */
    public CompletableFuture<Warmup.Result> warmedUp() {
        return warmedUp;
    }

    /**
     * @return the port the gateway listens on (the real one when 0 was asked for)
     */
    public int port() {
        return server.port();
    }

    /**
     * @return {@code http://host:port/}, with 127.0.0.1 for a wildcard bind
     */
    public URI uri() {
        return URI.create("http://" + reachableHost() + ":" + port() + "/");
    }

    /**
     * @return {@code ws://host:port/subscribe}, with 127.0.0.1 for a wildcard bind: the URI the JDK's
     *         {@code java.net.http.WebSocket} (or any websocket client) opens a subscriber socket on
     */
    public URI websocketUri() {
        return URI.create("ws://" + reachableHost() + ":" + port() + WsUpgrade.PATH);
    }

    // A wildcard bind is reached on loopback; an IPv6 literal goes in brackets.
    private String reachableHost() {
        String host = config.host();
        if ("0.0.0.0".equals(host) || "::".equals(host)) {
            return "127.0.0.1";
        }
        return host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host;
    }

    /**
     * @return sockets connected to this instance now
     */
    public int connected() {
        return sessions.connected();
    }

    /**
     * How many sockets a broadcast to the channel would reach now, on every instance.
     *
     * @param channel the channel
     * @return the count
     * @throws BusUnavailableException when the cluster counts cannot be read
     */
    public int subscribers(String channel) throws BusUnavailableException {
        return bus.subscribers(channel);
    }

    /**
     * @return deliveries this instance's sockets have queued and not yet written, against BIFROST_MAX_BACKLOG
     */
    public Backlog backlog() {
        return hub.backlog();
    }

    /**
     * @return this instance's counters
     */
    public Stats stats() {
        return stats;
    }

    /**
     * Drains, then stops: readiness turns false and new sockets are refused at once; open sockets are closed with
     * 1012 spread evenly over the window (each after what was already queued for it); then the server stops.
     * Broadcasts are still accepted while draining.
     *
     * @param window how long to spread the closes over
     */
    public void drain(Duration window) {
        sessions.drain(window);
        close();
    }

    /**
     * Stops: sockets are sent 1012 and get up to a second to take it before they are cut, the server stops, the bus
     * is closed. Calling it again does nothing.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (warming) {
            // Its clients fail at once and the warm-up ends, closing its twin (one still starting as well) and saying
            // so, before the gateway's own close goes on and the process may exit.
            Gateway current = twin;
            if (current != null) {
                current.close();
            }
            warmedUp.copy().completeOnTimeout(null, 5, TimeUnit.SECONDS).join();
        }
        sessions.close(Duration.ofSeconds(1));
        // Dashboard streams end, so the server has no handler left to wait for.
        dashboard.close();
        // Before the server stops: connections answered for the last time are cut rather than waited for.
        connections.close();
        server.stop();
        bus.close();
        metrics.close();
    }
}
