package io.bifrost.testing;

import java.io.IOException;
import java.net.URI;
import java.util.List;

import io.bifrost.protocol.BifrostClient;

/**
 * A gateway a test talks to, wherever it runs: {@link EmbeddedGateway} (in the test's JVM) or
 * {@link GatewayContainer} (in Docker). The same test code works against either.
 */
public interface GatewayEndpoint {

    /**
     * @return the HTTP base, {@code http://host:port/}: for {@link BifrostClient} and plain HTTP
     */
    URI uri();

    /**
     * @return {@code ws://host:port/subscribe}: for any websocket client, the JDK's included
     */
    URI websocketUri();

    /**
     * @return the gateway's {@code JWT_SECRET}, which signs broadcast and subscribe tokens
     */
    String secret();

    /**
     * @return a backend client for this gateway, ready to broadcast and to mint subscribe tokens (by default a new
     *         one on each call: keep it)
     */
    default BifrostClient client() {
        return new BifrostClient(uri(), secret());
    }

    /**
     * Connects a subscriber to the channels and returns once the gateway confirmed every one of them, so that any
     * broadcast posted afterwards reaches it.
     *
     * @param channels the channels to join, at least one
     * @return the subscriber; close it (try-with-resources)
     * @throws IOException          when the socket cannot be opened or a channel is not confirmed in time
     * @throws InterruptedException when interrupted while waiting
     */
    default TestSubscriber subscribe(String... channels) throws IOException, InterruptedException {
        return TestSubscriber.connect(this, List.of(channels));
    }
}
