package io.bifrost.gateway.config;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

import io.bifrost.protocol.Tokens;

/**
 * Everything a gateway needs to start, built once and handed in: from the environment by
 * {@link EnvironmentConfig}, or in code when a gateway is embedded in a test.
 *
 * @param host      address to bind, {@code 0.0.0.0} for all
 * @param port      port to bind, 0 for any free one
 * @param mode      development or production
 * @param jwtSecret the shared HMAC secret, at least {@value Tokens#MIN_SECRET_BYTES} bytes
 * @param limits    per-caller and per-socket limits
 * @param redis     the Redis that joins instances into a cluster; empty for the in-process bus (one instance)
 * @param drain     how long a drain (SIGTERM) spreads the closing of sockets over
 * @param connections     the edge's connection limit and HTTP timeouts
 * @param allowedOrigins  origins whose pages may open sockets ({@code https://app.example.com}); empty for any
 * @param recovery        channel history and the publishing rules (jti, batches)
 * @param dashboardToken  the token {@code /dashboard} asks for; without one it is served in development only
 * @param warmup          the longest the gateway plays its own clients before it reports ready; zero for none
 */
public record GatewayConfig(String host, int port, Mode mode, String jwtSecret, Limits limits,
                            Optional<RedisSettings> redis, Duration drain, ConnectionLimits connections,
                            Set<String> allowedOrigins, RecoverySettings recovery, Optional<String> dashboardToken,
                            Duration warmup) {

    /** The default drain window: well inside Heroku's 30 s and Kubernetes' default grace period. */
    public static final Duration DEFAULT_DRAIN = Duration.ofSeconds(10);
    /** The warm-up's budget in production: it usually needs a third of it (BENCHMARKS.md). */
    public static final Duration DEFAULT_PRODUCTION_WARMUP = Duration.ofSeconds(30);
    /** The shortest dashboard token accepted: it guards a page anyone who finds the address can try. */
    public static final int MIN_DASHBOARD_TOKEN_LENGTH = 16;

    /**
     * Checks the configuration is usable; messages name the setting and the fix.
     */
    public GatewayConfig {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(jwtSecret, "jwtSecret");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(redis, "redis");
        Objects.requireNonNull(drain, "drain");
        Objects.requireNonNull(connections, "connections");
        Objects.requireNonNull(recovery, "recovery");
        Objects.requireNonNull(dashboardToken, "dashboardToken");
        Objects.requireNonNull(warmup, "warmup");
        if (warmup.isNegative()) {
            throw new IllegalArgumentException("the warm-up is " + warmup + "; use zero for none");
        }
        allowedOrigins = Set.copyOf(allowedOrigins);
        if (dashboardToken.isPresent() && dashboardToken.get().length() < MIN_DASHBOARD_TOKEN_LENGTH) {
            throw new IllegalArgumentException("the dashboard token is " + dashboardToken.get().length()
                    + " characters; use at least " + MIN_DASHBOARD_TOKEN_LENGTH + " (generate one with: openssl rand"
                    + " -hex 24)");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port is " + port + "; use 0 to 65535 (0 picks a free port)");
        }
    }

    /**
     * A configuration for an embedded gateway: loopback, a free port, development mode, default limits.
     *
     * @param jwtSecret the shared secret
     * @return the configuration
     */
    public static GatewayConfig embedded(String jwtSecret) {
        return new GatewayConfig("127.0.0.1", 0, Mode.DEVELOPMENT, jwtSecret, Limits.DEFAULTS, Optional.empty(),
                DEFAULT_DRAIN, ConnectionLimits.DEFAULTS, Set.of(), RecoverySettings.DEFAULTS, Optional.empty(),
                Duration.ZERO);
    }

    /**
     * @param newHost the address to bind
     * @return a copy bound there
     */
    public GatewayConfig withHost(String newHost) {
        return new GatewayConfig(newHost, port, mode, jwtSecret, limits, redis, drain, connections, allowedOrigins,
                recovery, dashboardToken, warmup);
    }

    /**
     * @param newPort the port
     * @return a copy on that port
     */
    public GatewayConfig withPort(int newPort) {
        return new GatewayConfig(host, newPort, mode, jwtSecret, limits, redis, drain, connections,
                allowedOrigins, recovery, dashboardToken, warmup);
    }

    /**
     * @param newMode the mode
     * @return a copy in that mode
     */
    public GatewayConfig withMode(Mode newMode) {
        return new GatewayConfig(host, port, newMode, jwtSecret, limits, redis, drain, connections,
                allowedOrigins, recovery, dashboardToken, warmup);
    }

    /**
     * @param newLimits the limits
     * @return a copy with those limits
     */
    public GatewayConfig withLimits(Limits newLimits) {
        return new GatewayConfig(host, port, mode, jwtSecret, newLimits, redis, drain, connections,
                allowedOrigins, recovery, dashboardToken, warmup);
    }

    /**
     * @param settings the Redis to cluster through
     * @return a copy that runs on the Redis bus
     */
    public GatewayConfig withRedis(RedisSettings settings) {
        return new GatewayConfig(host, port, mode, jwtSecret, limits, Optional.of(settings), drain, connections,
                allowedOrigins, recovery, dashboardToken, warmup);
    }

    /**
     * @param window the drain window
     * @return a copy with that window
     */
    public GatewayConfig withDrain(Duration window) {
        return new GatewayConfig(host, port, mode, jwtSecret, limits, redis, window, connections,
                allowedOrigins, recovery, dashboardToken, warmup);
    }

    /**
     * @param newConnections the edge's connection limit and timeouts
     * @return a copy with those
     */
    public GatewayConfig withConnections(ConnectionLimits newConnections) {
        return new GatewayConfig(host, port, mode, jwtSecret, limits, redis, drain, newConnections,
                allowedOrigins, recovery, dashboardToken, warmup);
    }

    /**
     * @param origins origins whose pages may open sockets; empty for any
     * @return a copy with that list
     */
    public GatewayConfig withAllowedOrigins(Set<String> origins) {
        return new GatewayConfig(host, port, mode, jwtSecret, limits, redis, drain, connections, origins, recovery,
                dashboardToken, warmup);
    }

    /**
     * @param newRecovery history and publishing rules
     * @return a copy with those
     */
    public GatewayConfig withRecovery(RecoverySettings newRecovery) {
        return new GatewayConfig(host, port, mode, jwtSecret, limits, redis, drain, connections, allowedOrigins,
                newRecovery, dashboardToken, warmup);
    }

    /**
     * @param token the token {@code /dashboard} asks for; empty to serve it in development only
     * @return a copy with that token
     */
    public GatewayConfig withDashboardToken(Optional<String> token) {
        return new GatewayConfig(host, port, mode, jwtSecret, limits, redis, drain, connections, allowedOrigins,
                recovery, token, warmup);
    }

    /**
     * @param budget the longest the gateway may warm up before it reports ready; zero for none
     * @return a copy with that warm-up
     */
    public GatewayConfig withWarmup(Duration budget) {
        return new GatewayConfig(host, port, mode, jwtSecret, limits, redis, drain, connections, allowedOrigins,
                recovery, dashboardToken, budget);
    }

    /**
     * Never prints the secret or the dashboard token.
     *
     * @return a summary for logs
     */
    @Override
    public String toString() {
        return "GatewayConfig[host=" + host + ", port=" + port + ", mode=" + mode + ", jwtSecret=<"
                + jwtSecret.length() + " characters>, limits=" + limits + ", redis=" + redis.map(RedisSettings::toString)
                .orElse("none (in-process bus)") + ", drain=" + drain + ", connections=" + connections
                + ", allowedOrigins=" + (allowedOrigins.isEmpty() ? "any" : allowedOrigins) + ", recovery=" + recovery
                + ", dashboardToken=" + (dashboardToken.isPresent() ? "<set>" : "none") + ", warmup=" + warmup
                + "]";
    }
}
