package io.bifrost.testing;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedDeque;

import io.bifrost.gateway.config.Mode;
import io.bifrost.protocol.BifrostClient;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** {@code BifrostExtension.perTest()}: each test gets its own gateway, shared with its @BeforeEach, stopped after. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PerTestGatewayTest {
    @RegisterExtension
    static final BifrostExtension BIFROST = BifrostExtension.perTest()
            .configure(config -> config.withMode(Mode.PRODUCTION));

    // What the first test saw of its gateway (secret, base URI): the second test checks that gateway is gone.
    private static final ConcurrentLinkedDeque<String> SEEN = new ConcurrentLinkedDeque<>();

    private EmbeddedGateway fromBeforeEach;

    @BeforeEach
    void remember(EmbeddedGateway gateway) {
        fromBeforeEach = gateway;
    }

    @Test
    @Order(1)
    void firstTestHasAGatewayOfItsOwn(EmbeddedGateway gateway, BifrostClient bifrost) throws Exception {
        assertSame(fromBeforeEach, gateway);
        try (TestSubscriber subscriber = gateway.subscribe("global")) {
            assertEquals(1, bifrost.broadcast("global", "hello", "1"));
            assertEquals("1", subscriber.awaitMessage("hello", Duration.ofSeconds(5)).data());
        }
        SEEN.add(gateway.secret());
        SEEN.add(gateway.uri().toString());
    }

    @Test
    @Order(2)
    void secondTestHasAnotherAndTheFirstIsStopped(EmbeddedGateway gateway) throws Exception {
        assertSame(fromBeforeEach, gateway);
        assertEquals(2, SEEN.size(), "the first test did not run first");
        assertNotEquals(SEEN.getFirst(), gateway.secret());
        URI first = URI.create(SEEN.getLast());
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()) {
            assertEquals(200, http.send(HttpRequest.newBuilder(gateway.uri().resolve("/health/live")).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode());
            // configure(...) applied: production mode serves no /test page.
            assertEquals(404, http.send(HttpRequest.newBuilder(gateway.uri().resolve("/test")).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode());
            // Unless the second gateway happened to get the port the first one freed, nothing listens there any more.
            if (!first.equals(gateway.uri())) {
                IOException refused = assertThrows(IOException.class, () -> http.send(
                        HttpRequest.newBuilder(first.resolve("/health/live")).build(),
                        HttpResponse.BodyHandlers.discarding()));
                assertEquals(ConnectException.class, refused.getClass());
            }
        }
    }
}
