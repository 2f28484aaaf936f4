package io.bifrost.gateway.ws;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import io.bifrost.gateway.Gateway;
import io.bifrost.gateway.testkit.TestGateway;
import io.bifrost.gateway.testkit.WsClient;
import io.bifrost.protocol.Json;
import io.bifrost.protocol.ServerFrame;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static io.bifrost.gateway.testkit.TestGateway.WAIT;
import static io.bifrost.gateway.testkit.TestGateway.broadcast;
import static io.bifrost.gateway.testkit.TestGateway.post;
import static io.bifrost.gateway.testkit.TestGateway.subscriber;
import static io.bifrost.gateway.testkit.TestGateway.tokens;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Who gets a broadcast, and exactly what they get.
 */
class DeliveryIT {
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
    void broadcastReachesOnlySocketsOnItsChannel() throws Exception {
        try (WsClient onA = subscriber(gateway, "iso:a");
             WsClient onB = subscriber(gateway, "iso:b")) {
            assertEquals("{\"message\":\"Success\",\"deliveries\":1}", broadcast(gateway, "iso:a", "for", "a").body());
            assertEquals("{\"message\":\"Success\",\"deliveries\":1}", broadcast(gateway, "iso:b", "for", "b").body());
            assertEquals("{\"event\":\"for\",\"data\":\"a\"}", onA.nextText(WAIT));
            // B's first frame is B's own broadcast: A's never reached it.
            assertEquals("{\"event\":\"for\",\"data\":\"b\"}", onB.nextText(WAIT));
        }
    }

    @Test
    void socketOnSeveralChannelsGetsEachChannelsBroadcasts() throws Exception {
        try (WsClient client = subscriber(gateway, "multi:1", "multi:2", "multi:3")) {
            for (int i = 1; i <= 3; i++) {
                broadcast(gateway, "multi:" + i, "n", String.valueOf(i));
            }
            for (int i = 1; i <= 3; i++) {
                assertEquals("{\"event\":\"n\",\"data\":\"" + i + "\"}", client.nextText(WAIT));
            }
        }
    }

    @Test
    void everySocketOnAChannelGetsTheBroadcastOnce() throws Exception {
        try (WsClient one = subscriber(gateway, "many");
             WsClient two = subscriber(gateway, "many");
             WsClient three = subscriber(gateway, "many")) {
            assertEquals("{\"message\":\"Success\",\"deliveries\":3}", broadcast(gateway, "many", "all", "3").body());
            assertEquals("{\"message\":\"Success\",\"deliveries\":3}", broadcast(gateway, "many", "next", "4").body());
            for (WsClient client : new WsClient[] {one, two, three}) {
                assertEquals("{\"event\":\"all\",\"data\":\"3\"}", client.nextText(WAIT));
                assertEquals("{\"event\":\"next\",\"data\":\"4\"}", client.nextText(WAIT));
            }
        }
    }

    @Test
    void broadcastsFromOnePublisherArriveInOrder() throws Exception {
        try (WsClient client = subscriber(gateway, "order")) {
            for (int i = 0; i < 200; i++) {
                assertEquals(200, broadcast(gateway, "order", "seq", String.valueOf(i)).status());
            }
            for (int i = 0; i < 200; i++) {
                assertEquals("{\"event\":\"seq\",\"data\":\"" + i + "\"}", client.nextText(WAIT));
            }
        }
    }

    @Test
    void messageTravelsByteExactWithUnicodeQuotesNewlinesAndNestedJson() throws Exception {
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("event", "new_item");
        message.put("data", "{\"title\":\"héllo ✓ 😀\",\"quote\":\"she said \\\"hi\\\"\",\"lines\":\"a\\nb\","
                + "\"nested\":{\"list\":[1,2.50,null,true]}}");
        message.put("extra", "kept\tas\nsent \u2028");
        String token = tokens().broadcastToken("exact", message, Duration.ofMinutes(1));
        try (WsClient client = subscriber(gateway, "exact")) {
            assertEquals(200, post(gateway.uri(), "application/json", "{\"token\":\"" + token + "\"}").status());
            String received = client.nextText(WAIT);
            assertEquals(new ServerFrame.Message(message).encode(), received);
            assertEquals(message, Json.parseObject(received));
        }
    }
}
