package io.bifrost.testing;

import java.net.URI;
import java.time.Duration;

import io.bifrost.protocol.BifrostClient;
import io.bifrost.protocol.SubscriberEvent;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The embedded flavour, exactly as docs/TESTING.md shows it: the extension, the injected client, a subscriber. */
@ExtendWith(BifrostExtension.class)
class EmbeddedGatewayTest {

    @BeforeAll
    static void theClassGatewayIsInjectableBeforeAll(EmbeddedGateway gateway) {
        assertTrue(gateway.gateway().port() > 0);
    }

    @Test
    void broadcastReachesTheSubscriber(EmbeddedGateway gateway, BifrostClient bifrost) throws Exception {
        try (TestSubscriber subscriber = gateway.subscribe("user:1")) {
            assertEquals(1, bifrost.broadcast("user:1", "new_item", "{\"id\":7}"));

            SubscriberEvent.Message item = subscriber.awaitMessage("new_item", Duration.ofSeconds(5));
            assertEquals("{\"id\":7}", item.data());
            assertEquals("{\"event\":\"new_item\",\"data\":\"{\\\"id\\\":7}\"}", item.json());
            subscriber.assertNoMessage(Duration.ofMillis(200));
        }
    }

    @Test
    void aBroadcastToAnotherChannelIsNotReceived(EmbeddedGateway gateway, BifrostClient bifrost) throws Exception {
        try (TestSubscriber subscriber = gateway.subscribe("user:1")) {
            assertEquals(0, bifrost.broadcast("user:2", "new_item", "{\"id\":8}"));
            subscriber.assertNoMessage(Duration.ofMillis(300));
        }
    }

    @Test
    void injectsTheSecretAndTheUrisOfOneGateway(EmbeddedGateway gateway, GatewayEndpoint endpoint,
                                                 @BifrostSecret String secret) {
        assertSame(gateway, endpoint);
        assertEquals(gateway.secret(), secret);
        assertEquals(128, secret.length());
        int port = gateway.gateway().port();
        assertEquals(URI.create("http://127.0.0.1:" + port + "/"), gateway.uri());
        assertEquals(URI.create("ws://127.0.0.1:" + port + "/subscribe"), gateway.websocketUri());
    }
}
