package io.bifrost.gateway.ws;

import java.time.Duration;
import java.util.List;

import io.bifrost.gateway.Gateway;
import io.bifrost.gateway.testkit.TestGateway;
import io.bifrost.gateway.testkit.WsClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static io.bifrost.gateway.testkit.TestGateway.WAIT;
import static io.bifrost.gateway.testkit.TestGateway.broadcast;
import static io.bifrost.gateway.testkit.TestGateway.subscribed;
import static io.bifrost.gateway.testkit.TestGateway.subscriber;
import static io.bifrost.gateway.testkit.TestGateway.tokens;
import static org.junit.jupiter.api.Assertions.assertEquals;

class SubscribeIT {
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
    void authenticateSubscribesToEveryChannelInTokenOrderAndBroadcastArrives() throws Exception {
        try (WsClient client = subscriber(gateway, "user:1", "global")) {
            var reply = broadcast(gateway, "user:1", "new_item", "{\"id\":7}");
            assertEquals(200, reply.status());
            assertEquals("{\"message\":\"Success\",\"deliveries\":1}", reply.body());
            assertEquals("{\"event\":\"new_item\",\"data\":\"{\\\"id\\\":7}\"}", client.nextText(WAIT));
        }
    }

    @Test
    void pingEventIsAnsweredWithPong() throws Exception {
        try (WsClient client = WsClient.connect(gateway.uri())) {
            client.sendText("{\"event\":\"ping\"}");
            assertEquals("{\"event\":\"pong\"}", client.nextText(WAIT));
        }
    }

    @Test
    void badTokenClosesWithNotAuthorized() throws Exception {
        try (WsClient client = WsClient.connect(gateway.uri())) {
            client.authenticate("not-a-token");
            WsClient.Close close = client.awaitClose(WAIT);
            assertEquals(new WsClient.Close(1008, "Not Authorized!"), close);
        }
    }

    @Test
    void reAuthenticationAddsChannels() throws Exception {
        try (WsClient client = subscriber(gateway, "re:a")) {
            client.authenticate(tokens().subscribeToken(List.of("re:b"), Duration.ofMinutes(1)));
            assertEquals(subscribed("re:b"), client.nextText(WAIT));
            broadcast(gateway, "re:a", "one", "1");
            broadcast(gateway, "re:b", "two", "2");
            assertEquals("{\"event\":\"one\",\"data\":\"1\"}", client.nextText(WAIT));
            assertEquals("{\"event\":\"two\",\"data\":\"2\"}", client.nextText(WAIT));
        }
    }
}
