package io.bifrost.testing;

import java.time.Duration;

import io.bifrost.protocol.BifrostClient;
import io.bifrost.protocol.SubscriberEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** What the subscriber's assertions report when the expectation fails, and the events they pass over. */
class TestSubscriberTest {
    @RegisterExtension
    static final BifrostExtension BIFROST = BifrostExtension.perTest();

    @Test
    void awaitMessageFailsNamingWhatCameInstead(EmbeddedGateway gateway, BifrostClient bifrost) throws Exception {
        try (TestSubscriber subscriber = gateway.subscribe("user:1")) {
            bifrost.broadcast("user:1", "other", "{\"id\":1}");
            AssertionError error = assertThrows(AssertionError.class,
                    () -> subscriber.awaitMessage("new_item", Duration.ofMillis(500)));
            assertEquals("expected a \"new_item\" message on [user:1] within PT0.5S; arrived instead: [Message["
                    + "channel=Optional.empty, id=Optional.empty, event=other, data={\"id\":1}, "
                    + "json={\"event\":\"other\",\"data\":\"{\\\"id\\\":1}\"}]]", error.getMessage());
        }
    }

    @Test
    void assertNoMessageFailsOnAMessageAndKeepsOtherEvents(EmbeddedGateway gateway, BifrostClient bifrost)
            throws Exception {
        try (TestSubscriber subscriber = gateway.subscribe("user:1")) {
            subscriber.subscriber().ping();
            subscriber.assertNoMessage(Duration.ofMillis(300));
            assertEquals(new SubscriberEvent.Pong(), subscriber.next(Duration.ZERO).orElseThrow());

            bifrost.broadcast("user:1", "new_item", "{\"id\":2}");
            AssertionError error = assertThrows(AssertionError.class,
                    () -> subscriber.assertNoMessage(Duration.ofMillis(500)));
            assertEquals("expected no message on [user:1] during PT0.5S; got 1: [Message[channel=Optional.empty, "
                    + "id=Optional.empty, event=new_item, data={\"id\":2}, "
                    + "json={\"event\":\"new_item\",\"data\":\"{\\\"id\\\":2}\"}]]", error.getMessage());
        }
    }

    @Test
    void aStoppedGatewayClosesTheSubscriberWith1012(EmbeddedGateway gateway) throws Exception {
        try (TestSubscriber subscriber = gateway.subscribe("user:1", "global")) {
            gateway.close();
            SubscriberEvent.Closed closed = subscriber.awaitEvent(SubscriberEvent.Closed.class, Duration.ofSeconds(5));
            assertEquals(1012, closed.code());
            AssertionError error = assertThrows(AssertionError.class,
                    () -> subscriber.awaitMessage("new_item", Duration.ofSeconds(5)));
            assertEquals("expected a \"new_item\" message on [user:1, global] within PT5S; the connection has ended; "
                    + "nothing arrived", error.getMessage());
        }
    }

    @Test
    void aWrongSecretIsRefusedWithTheHint(EmbeddedGateway gateway) {
        GatewayEndpoint wrongSecret = new GatewayEndpoint() {
            @Override
            public java.net.URI uri() {
                return gateway.uri();
            }

            @Override
            public java.net.URI websocketUri() {
                return gateway.websocketUri();
            }

            @Override
            public String secret() {
                return TestSecrets.random();
            }
        };
        java.io.IOException error = assertThrows(java.io.IOException.class, () -> wrongSecret.subscribe("user:1"));
        assertEquals("the gateway at " + gateway.websocketUri() + " closed the socket before confirming [user:1]: "
                + "1008 Not Authorized! (is the secret the gateway's JWT_SECRET?)", error.getMessage());
    }
}
