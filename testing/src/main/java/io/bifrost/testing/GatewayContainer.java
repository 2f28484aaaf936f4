package io.bifrost.testing;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Objects;

import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;

/**
 * The gateway's Docker image as a Testcontainers container, for tests that run against the image they deploy.
 * Production mode, a random secret, a 2 s drain, the in-process bus unless {@link #withRedis(String)}; ready once
 * {@code /health/ready} answers 200.
 *
 * <pre>{@code
 * try (GatewayContainer gateway = new GatewayContainer()) {    // bifrost/gateway:local
 *     gateway.start();
 *     try (TestSubscriber subscriber = gateway.subscribe("user:1")) {
 *         gateway.client().broadcast("user:1", "new_item", "{\"id\":7}");
 *         subscriber.awaitMessage("new_item", Duration.ofSeconds(5));
 *     }
 * }
 * }</pre>
 *
 * {@link #cluster(int)} starts Redis and several gateways on one network in one call.
 */
public final class GatewayContainer extends GenericContainer<GatewayContainer> implements GatewayEndpoint {
    /** The image when none is given: {@code -Dbifrost.gateway.image} or {@code BIFROST_GATEWAY_IMAGE}, else this. */
    public static final String DEFAULT_IMAGE = "bifrost/gateway:local";
    /** The port the gateway listens on inside the container. */
    public static final int PORT = 3000;
    static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(60);
    private static final int LOG_LINES_KEPT = 40;

    private String secret;
    // The container's last log lines, for the error when it does not start (Testcontainers' own says only "exited").
    private final ArrayDeque<String> lastLines = new ArrayDeque<>();

    /** A gateway from the default image (see {@link #DEFAULT_IMAGE}). */
    public GatewayContainer() {
        this(DockerImageName.parse(defaultImage()));
    }

    /**
     * @param image the gateway image, e.g. {@code registry.example.com/bifrost-gateway:1.4}
     */
    public GatewayContainer(String image) {
        this(DockerImageName.parse(image));
    }

    /**
     * @param image the gateway image
     */
    public GatewayContainer(DockerImageName image) {
        super(image);
        withExposedPorts(PORT);
        withSecret(TestSecrets.random());
        withEnv("BIFROST_ENV", "production");
        // A short drain: stopping a test's container should not take the production default's 10 s.
        withEnv("BIFROST_DRAIN_SECONDS", "2");
        // No warm-up: it readies a production instance for its first reconnect storm, and would only delay a test.
        withEnv("BIFROST_WARMUP_SECONDS", "0");
        waitingFor(Wait.forHttp("/health/ready").forPort(PORT).forStatusCode(200)
                .withStartupTimeout(STARTUP_TIMEOUT));
        withLogConsumer(frame -> remember(frame.getUtf8String()));
    }

    /**
     * Starts the container and waits until the gateway is ready.
     *
     * @throws IllegalStateException when it does not start; the message carries its last log lines
     */
    @Override
    public void start() {
        try {
            super.start();
        } catch (RuntimeException e) {
            throw new IllegalStateException("the gateway container (" + getDockerImageName() + ") did not become "
                    + "ready: " + e.getMessage() + "; its last log lines:\n" + lastLogLines(), e);
        }
    }

    private void remember(String text) {
        synchronized (lastLines) {
            for (String line : text.split("\n")) {
                if (!line.isBlank()) {
                    if (lastLines.size() == LOG_LINES_KEPT) {
                        lastLines.removeFirst();
                    }
                    lastLines.addLast(line);
                }
            }
        }
    }

    private String lastLogLines() {
        synchronized (lastLines) {
            return String.join("\n", lastLines);
        }
    }

    /**
     * @return the image a {@code new GatewayContainer()} runs
     */
    public static String defaultImage() {
        return System.getProperty("bifrost.gateway.image",
                System.getenv().getOrDefault("BIFROST_GATEWAY_IMAGE", DEFAULT_IMAGE));
    }

    /**
     * Starts Redis and {@code instances} gateways sharing it, on a network of their own, and returns once every
     * gateway is ready: a broadcast posted to any of them reaches sockets on all.
     *
     * @param instances how many gateways, at least 1
     * @return the running cluster; close it to stop everything
     */
    public static GatewayCluster cluster(int instances) {
        return GatewayCluster.start(instances, DockerImageName.parse(defaultImage()),
                DockerImageName.parse(GatewayCluster.defaultRedisImage()));
    }

    /**
     * @param jwtSecret the {@code JWT_SECRET}, at least 64 characters (default: a random one)
     * @return this
     */
    public GatewayContainer withSecret(String jwtSecret) {
        this.secret = Objects.requireNonNull(jwtSecret, "jwtSecret");
        return withEnv("JWT_SECRET", jwtSecret);
    }

    /**
     * @param redisUrl {@code REDIS_URL} as seen from inside the container, e.g. {@code redis://redis:6379} on a
     *                 shared network
     * @return this
     */
    public GatewayContainer withRedis(String redisUrl) {
        return withEnv("REDIS_URL", Objects.requireNonNull(redisUrl, "redisUrl"));
    }

    /**
     * @param id {@code BIFROST_INSTANCE_ID}, shown in logs and metrics
     * @return this
     */
    public GatewayContainer withInstanceId(String id) {
        return withEnv("BIFROST_INSTANCE_ID", Objects.requireNonNull(id, "id"));
    }

    @Override
    public URI uri() {
        return URI.create("http://" + getHost() + ":" + getMappedPort(PORT) + "/");
    }

    @Override
    public URI websocketUri() {
        return URI.create("ws://" + getHost() + ":" + getMappedPort(PORT) + "/subscribe");
    }

    @Override
    public String secret() {
        return secret;
    }

    // Identity: Startables.deepStart keys started containers in a map, and two gateways configured alike must both start.
    @Override
    public boolean equals(Object other) {
        return this == other;
    }

    @Override
    public int hashCode() {
        return System.identityHashCode(this);
    }
}
