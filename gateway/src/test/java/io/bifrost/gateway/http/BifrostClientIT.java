package io.bifrost.gateway.http;

import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.List;

import io.bifrost.gateway.Gateway;
import io.bifrost.gateway.testkit.TestGateway;
import io.bifrost.gateway.testkit.WsClient;
import io.bifrost.protocol.BifrostClient;
import io.bifrost.protocol.BifrostException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static io.bifrost.gateway.testkit.TestGateway.SECRET;
import static io.bifrost.gateway.testkit.TestGateway.WAIT;
import static io.bifrost.gateway.testkit.TestGateway.subscribed;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Java backend client, {@link BifrostClient}, against a running gateway.
 */
class BifrostClientIT {
    private static Gateway gateway;

    @BeforeAll
    static void start() {
        gateway = TestGateway.start();
    }

    @AfterAll
    static void stop() {
        gateway.close();
    }

    @Test
    void tokenForAuthenticatesASocketAndBroadcastReachesIt() throws Exception {
        BifrostClient client = new BifrostClient(gateway.uri(), SECRET);
        try (WsClient socket = WsClient.connect(gateway.uri())) {
            socket.authenticate(client.tokenFor(List.of("user:9"), Duration.ofMinutes(1)));
            assertEquals(subscribed("user:9"), socket.nextText(WAIT));

            assertEquals(1, client.broadcast("user:9", "new_item", "{\"id\":7}"));
            assertEquals("{\"event\":\"new_item\",\"data\":\"{\\\"id\\\":7}\"}", socket.nextText(WAIT));
        }
    }

    @Test
    void wrongSecretIsBifrostExceptionWith400BadSignature() {
        BifrostClient client = new BifrostClient(gateway.uri(),
                "a-wrong-secret-that-is-still-long-enough-for-hs512-0123456789abcdef0123456789abcdef");
        BifrostException e = assertThrows(BifrostException.class,
                () -> client.broadcast("user:9", "new_item", "{\"id\":7}"));
        assertEquals(400, e.status());
        assertTrue(e.body().contains("Bad signature"), e.body());
    }

    @Test
    void closedPortIsBifrostExceptionWithStatus0() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        BifrostClient client = new BifrostClient(URI.create("http://127.0.0.1:" + port), SECRET);
        BifrostException e = assertThrows(BifrostException.class,
                () -> client.broadcast("user:9", "new_item", "{\"id\":7}"));
        assertEquals(0, e.status());
        assertEquals("", e.body());
    }
}
