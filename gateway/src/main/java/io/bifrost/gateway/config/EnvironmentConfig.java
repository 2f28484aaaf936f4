package io.bifrost.gateway.config;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import io.bifrost.protocol.Tokens;

/**
 * Builds a {@link GatewayConfig} from environment variables, the way Bifrost was configured (and Heroku sets
 * {@code PORT}). Every problem is reported with the variable's name and what to do about it.
 */
public final class EnvironmentConfig {
    /** Kemal's default port, which Bifrost users expect. */
    static final int DEFAULT_PORT = 3000;

    private final Map<String, String> env;
    private final List<String> notices = new ArrayList<>();

    private EnvironmentConfig(Map<String, String> env) {
        this.env = env;
    }

    /**
     * A loaded configuration and what the operator should be told about how it was made.
     *
     * @param config  the configuration
     * @param notices warnings worth logging at start (never containing the secret)
     */
    public record Loaded(GatewayConfig config, List<String> notices) {
    }

    /**
     * Loads the configuration.
     *
     * @param environment the process environment
     * @param workingDir  where a development {@code .env} file is looked for
     * @return the configuration and notices
     * @throws ConfigException naming the variable that is wrong and the fix
     */
    public static Loaded load(Map<String, String> environment, Path workingDir) throws ConfigException {
        Mode mode = mode(environment);
        Map<String, String> merged = new HashMap<>();
        List<String> fileNotices = new ArrayList<>();
        if (mode == Mode.DEVELOPMENT) {
            Path dotEnv = workingDir.resolve(".env");
            if (Files.isRegularFile(dotEnv)) {
                merged.putAll(readDotEnv(dotEnv));
                fileNotices.add("read " + dotEnv.toAbsolutePath() + " (development mode; variables set in the"
                        + " environment take precedence)");
            }
        }
        // Real environment variables win over .env, as with Bifrost's dotenv.
        merged.putAll(environment);
        EnvironmentConfig loader = new EnvironmentConfig(merged);
        loader.notices.addAll(fileNotices);
        GatewayConfig config = loader.build(mode);
        return new Loaded(config, List.copyOf(loader.notices));
    }

    private GatewayConfig build(Mode mode) throws ConfigException {
        String host = env.getOrDefault("BIFROST_HOST", "0.0.0.0").trim();
        int port = (int) number("PORT", DEFAULT_PORT, 0, 65535, "a port number like 3000");
        Limits d = Limits.DEFAULTS;
        Limits limits = new Limits(
                (int) number("BIFROST_MAX_BODY_BYTES", d.maxBodyBytes(), 256, 64 * 1024 * 1024, "a number of bytes"),
                (int) number("BIFROST_MAX_FRAME_BYTES", d.maxFrameBytes(), 256, 16 * 1024 * 1024, "a number of bytes"),
                number("BIFROST_SEND_QUEUE_BYTES", d.sendQueueBytes(), 1024, 1L << 32, "a number of bytes"),
                (int) number("BIFROST_MAX_CHANNELS_PER_SOCKET", d.maxChannelsPerSocket(), 1, 1_000_000,
                        "a number of channels"),
                seconds("BIFROST_AUTH_TIMEOUT_SECONDS", d.authTimeout()),
                seconds("BIFROST_PING_INTERVAL_SECONDS", d.pingInterval()),
                seconds("BIFROST_CLOSE_TIMEOUT_SECONDS", d.closeTimeout()),
                number("BIFROST_MAX_BACKLOG", d.maxBacklog(), 1, 1L << 40, "a number of deliveries"),
                Duration.ofMillis(number("BIFROST_BACKLOG_WAIT_MS", d.backlogWait().toMillis(), 0, 60_000,
                        "milliseconds")));
        if (limits.pingInterval().toSeconds() >= 55) {
            throw new ConfigException("BIFROST_PING_INTERVAL_SECONDS is " + limits.pingInterval().toSeconds()
                    + "; Heroku's router cuts connections idle for 55 s, so keep it well under that (default 15)");
        }
        Duration drain = seconds("BIFROST_DRAIN_SECONDS", GatewayConfig.DEFAULT_DRAIN);
        ConnectionLimits c = ConnectionLimits.DEFAULTS;
        ConnectionLimits connections = new ConnectionLimits(
                (int) number("BIFROST_MAX_CONNECTIONS", c.maxConnections(), 0, 10_000_000,
                        "connections; 0 derives it from the open-file limit"),
                seconds("BIFROST_HTTP_HEADER_TIMEOUT_SECONDS", c.headerTimeout()),
                seconds("BIFROST_HTTP_IDLE_TIMEOUT_SECONDS", c.idleTimeout()));
        RecoverySettings r = RecoverySettings.DEFAULTS;
        RecoverySettings recovery = new RecoverySettings(
                (int) number("BIFROST_HISTORY_SIZE", r.historySize(), 0, 100_000, "broadcasts kept per channel; 0 is off"),
                seconds("BIFROST_HISTORY_SECONDS", r.historyAge()),
                flag("BIFROST_REQUIRE_JTI", r.requireJti()),
                seconds("BIFROST_JTI_WINDOW_SECONDS", r.jtiWindow()),
                (int) number("BIFROST_MAX_BATCH_CHANNELS", r.maxBatchChannels(), 1, 10_000, "channels"));
        // Production instances take traffic from balancers that wait for readiness; development starts at once.
        Duration warmup = Duration.ofSeconds(number("BIFROST_WARMUP_SECONDS",
                mode == Mode.PRODUCTION ? GatewayConfig.DEFAULT_PRODUCTION_WARMUP.toSeconds() : 0, 0, 600,
                "seconds the gateway may spend warming up before it reports ready; 0 turns it off"));
        return new GatewayConfig(host, port, mode, secret(mode), limits, redis(), drain, connections, origins(),
                recovery, dashboardToken(), warmup);
    }

    private Optional<String> dashboardToken() throws ConfigException {
        String raw = env.get("BIFROST_DASHBOARD_TOKEN");
        if (raw == null || raw.isBlank()) {
            return Optional.empty();
        }
        String token = raw.trim();
        if (token.length() < GatewayConfig.MIN_DASHBOARD_TOKEN_LENGTH) {
            throw new ConfigException("BIFROST_DASHBOARD_TOKEN is " + token.length() + " characters; use at least "
                    + GatewayConfig.MIN_DASHBOARD_TOKEN_LENGTH + " (generate one with: openssl rand -hex 24), or"
                    + " unset it to serve /dashboard in development only");
        }
        return Optional.of(token);
    }

    private boolean flag(String name, boolean fallback) throws ConfigException {
        String raw = env.get(name);
        if (raw == null || raw.isBlank()) {
            return fallback;
        }
        return switch (raw.trim().toLowerCase(Locale.ROOT)) {
            case "true", "1", "yes" -> true;
            case "false", "0", "no" -> false;
            default -> throw new ConfigException(name + " is '" + raw + "'; use true or false (default " + fallback
                    + ")");
        };
    }

    // Origins as a browser sends them: scheme, host and port only.
    private Set<String> origins() throws ConfigException {
        String raw = env.get("BIFROST_ALLOWED_ORIGINS");
        if (raw == null || raw.isBlank()) {
            return Set.of();
        }
        Set<String> origins = new LinkedHashSet<>();
        for (String part : raw.split(",")) {
            String origin = part.trim();
            if (origin.isEmpty()) {
                continue;
            }
            URI uri;
            try {
                uri = new URI(origin);
            } catch (URISyntaxException e) {
                throw new ConfigException("BIFROST_ALLOWED_ORIGINS has '" + origin + "', which is not an origin; list"
                        + " origins like https://app.example.com, separated by commas");
            }
            boolean plain = uri.getScheme() != null && uri.getHost() != null && uri.getUserInfo() == null
                    && (uri.getRawPath() == null || uri.getRawPath().isEmpty() || uri.getRawPath().equals("/"))
                    && uri.getRawQuery() == null && uri.getRawFragment() == null;
            if (!plain) {
                throw new ConfigException("BIFROST_ALLOWED_ORIGINS has '" + origin + "'; an origin is a scheme, a"
                        + " host and an optional port, like https://app.example.com or http://localhost:8080");
            }
            origins.add(origin);
        }
        return origins;
    }

    private Optional<RedisSettings> redis() throws ConfigException {
        String url = env.get("REDIS_URL");
        if (url == null || url.isBlank()) {
            return Optional.empty();
        }
        String verifyRaw = env.getOrDefault("REDIS_TLS_VERIFY", "full").trim();
        RedisSettings.TlsVerify verify;
        try {
            verify = RedisSettings.TlsVerify.valueOf(verifyRaw.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ConfigException("REDIS_TLS_VERIFY is '" + verifyRaw + "'; use full, ca or none (Heroku Redis"
                    + " presents a self-signed certificate and needs none)");
        }
        String prefix = env.getOrDefault("BIFROST_REDIS_PREFIX", RedisSettings.DEFAULT_PREFIX);
        if (prefix.isBlank()) {
            throw new ConfigException("BIFROST_REDIS_PREFIX is blank; leave it unset for " + RedisSettings.DEFAULT_PREFIX
                    + " or give each app sharing the Redis its own, like myapp:");
        }
        Duration timeout = Duration.ofMillis(number("BIFROST_REDIS_TIMEOUT_MS",
                RedisSettings.DEFAULT_TIMEOUT.toMillis(), 50, 60_000, "milliseconds"));
        String instanceId = env.get("BIFROST_INSTANCE_ID");
        if (instanceId == null || instanceId.isBlank()) {
            // Heroku names dynos (web.1); elsewhere the host name. A random suffix keeps a restarted process apart.
            String base = env.getOrDefault("DYNO", env.getOrDefault("HOSTNAME", "gateway"));
            instanceId = base + "-" + HexFormat.of().formatHex(randomBytes(3));
        }
        try {
            String clusterRaw = env.getOrDefault("BIFROST_REDIS_CLUSTER", "false").trim().toLowerCase(Locale.ROOT);
            if (!clusterRaw.equals("true") && !clusterRaw.equals("false")) {
                throw new ConfigException("BIFROST_REDIS_CLUSTER is '" + clusterRaw + "'; use true (REDIS_URL names a"
                        + " Redis Cluster's nodes) or false");
            }
            return Optional.of(new RedisSettings(url.trim(), verify, prefix, timeout, instanceId.trim(),
                    clusterRaw.equals("true")));
        } catch (IllegalArgumentException e) {
            throw new ConfigException("REDIS_URL is not usable: " + e.getMessage());
        }
    }

    private static byte[] randomBytes(int n) {
        byte[] bytes = new byte[n];
        new SecureRandom().nextBytes(bytes);
        return bytes;
    }

    private String secret(Mode mode) throws ConfigException {
        String secret = env.get("JWT_SECRET");
        if (secret == null || secret.isBlank()) {
            if (mode == Mode.PRODUCTION) {
                throw new ConfigException("JWT_SECRET is not set; production mode needs the secret your backend"
                        + " signs tokens with, at least " + Tokens.MIN_SECRET_BYTES
                        + " characters (generate one with: openssl rand -hex 64)");
            }
            byte[] random = randomBytes(64);
            notices.add("JWT_SECRET is not set: using a THROW-AWAY secret for this run only. Tokens your backend"
                    + " signs will NOT verify. Set JWT_SECRET (in the environment or .env) to your backend's secret.");
            return HexFormat.of().formatHex(random);
        }
        int bytes = secret.getBytes(StandardCharsets.UTF_8).length;
        if (bytes < Tokens.MIN_SECRET_BYTES) {
            throw new ConfigException("JWT_SECRET is " + bytes + (bytes == secret.length() ? " characters" : " bytes (UTF-8)")
                    + "; HS512 needs at least "
                    + Tokens.MIN_SECRET_BYTES + " (generate one with: openssl rand -hex 64)");
        }
        return secret;
    }

    private static Mode mode(Map<String, String> env) throws ConfigException {
        // KEMAL_ENV is what Bifrost deployments already set; BIFROST_ENV wins when both are there.
        String bifrostEnv = env.get("BIFROST_ENV");
        String variable = bifrostEnv != null && !bifrostEnv.isBlank() ? "BIFROST_ENV" : "KEMAL_ENV";
        String value = env.get(variable);
        if (value == null || value.isBlank()) {
            return Mode.DEVELOPMENT;
        }
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "development", "dev" -> Mode.DEVELOPMENT;
            case "production", "prod" -> Mode.PRODUCTION;
            default -> throw new ConfigException(variable + " is '" + value + "'; use development or production");
        };
    }

    private long number(String name, long fallback, long min, long max, String what) throws ConfigException {
        String raw = env.get(name);
        if (raw == null || raw.isBlank()) {
            return fallback;
        }
        long value;
        try {
            value = Long.parseLong(raw.trim());
        } catch (NumberFormatException e) {
            throw new ConfigException(name + " is '" + raw + "'; expected a whole number (" + what + "), default "
                    + fallback);
        }
        if (value < min || value > max) {
            throw new ConfigException(name + " is " + value + "; it must be between " + min + " and " + max
                    + " (" + what + "), default " + fallback);
        }
        return value;
    }

    private Duration seconds(String name, Duration fallback) throws ConfigException {
        return Duration.ofSeconds(number(name, fallback.toSeconds(), 1, 86_400, "seconds"));
    }

    /**
     * Reads a dotenv file: {@code KEY=VALUE} lines, {@code #} comments, optional {@code export} and quotes.
     */
    static Map<String, String> readDotEnv(Path file) throws ConfigException {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException(file + " exists but cannot be read (" + e.getMessage()
                    + "); fix its permissions or remove it");
        }
        Map<String, String> values = new HashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            if (line.startsWith("export ")) {
                line = line.substring("export ".length()).strip();
            }
            int eq = line.indexOf('=');
            if (eq <= 0) {
                throw new ConfigException(file + " line " + (i + 1) + " is not KEY=VALUE");
            }
            String key = line.substring(0, eq).strip();
            String value = line.substring(eq + 1).strip();
            if (value.length() >= 2 && (value.startsWith("\"") && value.endsWith("\"")
                    || value.startsWith("'") && value.endsWith("'"))) {
                value = value.substring(1, value.length() - 1);
            }
            values.put(key, value);
        }
        return values;
    }
}
