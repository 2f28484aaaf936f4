package io.bifrost.testing;

import java.net.URI;
import java.util.Objects;
import java.util.function.UnaryOperator;

import io.bifrost.gateway.Gateway;
import io.bifrost.gateway.config.GatewayConfig;
import io.bifrost.protocol.BifrostClient;

/**
 * A gateway running in the test's own JVM (in-process bus, loopback, a free port, development mode), as
 * {@link BifrostExtension} starts it. Can also be started by hand: {@code try (EmbeddedGateway g = EmbeddedGateway.start())}.
 */
public final class EmbeddedGateway implements GatewayEndpoint, AutoCloseable {
    private final Gateway gateway;
    private final String secret;
    private final BifrostClient client;

    private EmbeddedGateway(Gateway gateway, String secret) {
        this.gateway = gateway;
        this.secret = secret;
        this.client = new BifrostClient(gateway.uri(), secret);
    }

    /**
     * @return a running gateway with a random secret and the embedded defaults
     */
    public static EmbeddedGateway start() {
        return start(TestSecrets.random(), UnaryOperator.identity());
    }

    /**
     * @param secret    the {@code JWT_SECRET}, at least 64 characters
     * @param configure changes to {@link GatewayConfig#embedded(String)}, e.g. {@code c -> c.withLimits(...)}
     * @return the running gateway
     * @throws IllegalStateException when it cannot start; the message says why
     */
    public static EmbeddedGateway start(String secret, UnaryOperator<GatewayConfig> configure) {
        Objects.requireNonNull(secret, "secret");
        GatewayConfig config = configure.apply(GatewayConfig.embedded(secret));
        return new EmbeddedGateway(Gateway.start(config), config.jwtSecret());
    }

    @Override
    public URI uri() {
        return gateway.uri();
    }

    @Override
    public URI websocketUri() {
        return gateway.websocketUri();
    }

    @Override
    public String secret() {
        return secret;
    }

    /**
     * @return this gateway's backend client: the same one on every call
     */
    @Override
    public BifrostClient client() {
        return client;
    }

    /**
     * @return the gateway itself: its port, counters ({@link Gateway#stats()}), connected sockets, drain
     */
    public Gateway gateway() {
        return gateway;
    }

    /** Stops the gateway: open sockets are closed with 1012. */
    @Override
    public void close() {
        gateway.close();
    }

    @Override
    public String toString() {
        return "embedded gateway at " + uri();
    }
}
