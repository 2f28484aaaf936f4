package io.bifrost.gateway.http;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.bifrost.gateway.Gateway;
import io.bifrost.gateway.config.GatewayConfig;
import io.bifrost.gateway.config.Mode;
import io.bifrost.gateway.testkit.TestGateway;
import io.bifrost.gateway.testkit.TestGateway.Reply;
import io.bifrost.gateway.testkit.WsClient;
import io.bifrost.protocol.Json;
import io.bifrost.protocol.SubscribeClaims;
import io.bifrost.protocol.Tokens;
import org.junit.jupiter.api.Test;

import static io.bifrost.gateway.testkit.TestGateway.SECRET;
import static io.bifrost.gateway.testkit.TestGateway.WAIT;
import static io.bifrost.gateway.testkit.TestGateway.broadcast;
import static io.bifrost.gateway.testkit.TestGateway.subscriber;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code GET /}, {@code GET /test} and the {@code /info.json} counters.
 */
class InfoAndPagesIT {
    /** Where the test page puts its token: {@code data: "<JWT>"} in the authenticate frame it sends. */
    private static final Pattern PAGE_TOKEN = Pattern.compile("data: \"([A-Za-z0-9_\\-]+\\.[A-Za-z0-9_\\-]+\\.[A-Za-z0-9_\\-]+)\"");

    @Test
    void indexIsHtmlSayingWhatTheServerIs() {
        try (Gateway gateway = TestGateway.start()) {
            Reply reply = TestGateway.get(gateway.uri(), "/");
            assertEquals(200, reply.status());
            assertTrue(reply.contentType().startsWith("text/html"), reply.contentType());
            assertTrue(reply.body().contains("Bifrost"), reply.body());
        }
    }

    @Test
    void testPageInDevelopmentCarriesAValidSubscribeTokenForUser1() throws Exception {
        try (Gateway gateway = TestGateway.start()) {
            Reply reply = TestGateway.get(gateway.uri(), "/test");
            assertEquals(200, reply.status());
            assertTrue(reply.contentType().startsWith("text/html"), reply.contentType());
            Matcher matcher = PAGE_TOKEN.matcher(reply.body());
            assertTrue(matcher.find(), "no token in the page:\n" + reply.body());
            SubscribeClaims claims = new Tokens(SECRET).verifySubscribe(matcher.group(1));
            assertEquals(List.of("user:1"), claims.channels());
        }
    }

    @Test
    void testPageInProductionIs404() {
        try (Gateway gateway = Gateway.start(GatewayConfig.embedded(SECRET).withMode(Mode.PRODUCTION))) {
            Reply reply = TestGateway.get(gateway.uri(), "/test");
            assertEquals(404, reply.status());
            Reply index = TestGateway.get(gateway.uri(), "/");
            assertEquals(200, index.status());
            assertFalse(index.body().contains("href=\"/test\""), "production index links the test page");
        }
    }

    @Test
    void browserHelperIsServedThroughTheEdgeOnItsExactPathOnly() {
        try (Gateway gateway = Gateway.start(GatewayConfig.embedded(SECRET).withMode(Mode.PRODUCTION))) {
            Reply reply = TestGateway.get(gateway.uri(), "/bifrost.js");
            assertEquals(200, reply.status());
            assertEquals("text/javascript; charset=utf-8", reply.contentType());
            assertEquals(new String(new BrowserScript().bytes(), StandardCharsets.UTF_8), reply.body());
            assertTrue(TestGateway.get(gateway.uri(), "/").body().contains("href=\"/bifrost.js\""));
            // Exact paths only, as for every other route.
            assertEquals(404, TestGateway.get(gateway.uri(), "/bifrost.js/").status());
            assertEquals(404, TestGateway.get(gateway.uri(), "/BIFROST.js").status());
        }
    }

    @Test
    void connectedCountsOpenSocketsAndDropsWhenTheyClose() throws Exception {
        try (Gateway gateway = TestGateway.start()) {
            assertEquals(0L, stats(gateway).get("connected"));
            WsClient first = WsClient.connect(gateway.uri());
            WsClient second = WsClient.connect(gateway.uri());
            try {
                awaitConnected(gateway, 2);
            } finally {
                first.close();
                second.close();
            }
            awaitConnected(gateway, 0);
        }
    }

    @Test
    void deliveriesGrowByExactlyTheNumberOfSocketsABroadcastReached() throws Exception {
        try (Gateway gateway = TestGateway.start();
             WsClient a1 = subscriber(gateway, "count:a");
             WsClient a2 = subscriber(gateway, "count:a", "count:b");
             WsClient b1 = subscriber(gateway, "count:b")) {
            long before = deliveries(gateway);
            assertEquals(0L, before);

            assertEquals("{\"message\":\"Success\",\"deliveries\":2}", broadcast(gateway, "count:a", "e", "1").body());
            assertEquals(2L, deliveries(gateway));

            assertEquals("{\"message\":\"Success\",\"deliveries\":2}", broadcast(gateway, "count:b", "e", "2").body());
            assertEquals(4L, deliveries(gateway));

            assertEquals("{\"message\":\"Success\",\"deliveries\":0}", broadcast(gateway, "count:none", "e", "3").body());
            assertEquals(4L, deliveries(gateway));

            // and every socket the count claims was reached really got the frame
            assertEquals("{\"event\":\"e\",\"data\":\"1\"}", a1.nextText(WAIT));
            assertEquals("{\"event\":\"e\",\"data\":\"1\"}", a2.nextText(WAIT));
            assertEquals("{\"event\":\"e\",\"data\":\"2\"}", a2.nextText(WAIT));
            assertEquals("{\"event\":\"e\",\"data\":\"2\"}", b1.nextText(WAIT));
        }
    }

    private static Map<String, Object> stats(Gateway gateway) throws Exception {
        Reply reply = TestGateway.get(gateway.uri(), "/info.json");
        assertEquals(200, reply.status());
        assertTrue(reply.contentType().startsWith("application/json"), reply.contentType());
        @SuppressWarnings("unchecked")
        Map<String, Object> stats = (Map<String, Object>) Json.parseObject(reply.body()).get("stats");
        return stats;
    }

    private static long deliveries(Gateway gateway) throws Exception {
        return (Long) stats(gateway).get("deliveries");
    }

    /** The socket count changes when the server gets round to it: poll /info.json, bounded. */
    private static void awaitConnected(Gateway gateway, long expected) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        Object connected = stats(gateway).get("connected");
        while (!Long.valueOf(expected).equals(connected) && System.nanoTime() < deadline) {
            Thread.sleep(50);
            connected = stats(gateway).get("connected");
        }
        assertEquals(expected, connected, "/info.json connected within " + WAIT);
    }
}
