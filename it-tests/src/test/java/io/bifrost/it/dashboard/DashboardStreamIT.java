package io.bifrost.it.dashboard;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.bifrost.gateway.testkit.TestGateway;
import io.bifrost.gateway.testkit.WsClient;
import io.bifrost.it.GatewayProcess;
import io.bifrost.protocol.Json;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code GET /dashboard/stream} on the built jar: what a snapshot says, that a stream outlives the edge's idle timeout
 * (2 s here), and that one stream past the limit gets 503, is counted, and gets in once a slot is free.
 */
class DashboardStreamIT {
    private static final String TOKEN = "dashboard-token-0123456789abcdef";
    private static final Map<String, String> AUTH = Map.of("Authorization", "Bearer " + TOKEN);
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final int LIMIT = 16;
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static GatewayProcess gateway;

    @BeforeAll
    static void start(@TempDir Path dir) throws Exception {
        gateway = GatewayProcess.start(Map.of("BIFROST_ENV", "production", "JWT_SECRET", TestGateway.SECRET,
                "BIFROST_DASHBOARD_TOKEN", TOKEN, "BIFROST_HTTP_IDLE_TIMEOUT_SECONDS", "2"), dir);
    }

    @AfterAll
    static void stop() throws Exception {
        if (gateway != null) {
            gateway.close();
        }
    }

    @Test
    @SuppressWarnings({"unchecked", "try"}) // the sockets are only there to be counted
    void snapshotsShowTheSocketsTopChannelsAndBroadcastsEverySecondPastTheIdleTimeout() throws Exception {
        awaitStreams(0);
        try (WsClient a = TestGateway.subscriber(gateway.uri(), "news", "sport");
             WsClient b = TestGateway.subscriber(gateway.uri(), "news");
             WsClient c = TestGateway.subscriber(gateway.uri(), "news");
             EventStream stream = EventStream.open(stream(""), AUTH)) {
            assertEquals(200, stream.status(), stream.body());
            assertEquals("text/event-stream; charset=utf-8", stream.header("Content-Type").orElse(""));
            EventStream.Event history = stream.next(WAIT);
            assertEquals("history", history.event());
            assertTrue(history.data().startsWith("[{\"t\":"), history.data());

            // Three sockets; news has all three, sport one; the top channels are read every five seconds.
            Map<String, Object> snapshot = awaitSnapshot(stream, s -> view(s).get("topChannels").equals(List.of(
                    Map.of("channel", "news", "sockets", 3L), Map.of("channel", "sport", "sockets", 1L))));
            Map<String, Object> point = (Map<String, Object>) snapshot.get("point");
            assertEquals(3L, point.get("sockets"));
            List<Map<String, Object>> instances = (List<Map<String, Object>>) view(snapshot).get("instances");
            assertEquals(1, instances.size(), instances.toString());
            Map<String, Object> self = instances.getFirst();
            assertEquals("local", self.get("id"));
            assertEquals(true, self.get("self"));
            assertEquals(3L, self.get("sockets"));
            assertEquals(2L, self.get("channels"));
            assertEquals(false, self.get("draining"));
            assertEquals("in-process", view(snapshot).get("bus"));

            assertEquals(200, TestGateway.broadcast(gateway.uri(), "news", "new_item", "{\"n\":1}").status());
            // Counted in the totals; the second in which it was accepted shows it as a rate, and the one in which its
            // answer went out has its latency (the same second, or two in a row).
            boolean counted = false;
            boolean rateSeen = false;
            Map<String, Object> latency = null;
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while ((!counted || !rateSeen || latency == null) && System.nanoTime() < deadline) {
                Map<String, Object> s = Json.parseObject(stream.next(WAIT).data());
                Map<String, Object> totals = (Map<String, Object>) s.get("totals");
                counted |= totals.get("broadcasts").equals(1L) && totals.get("deliveries").equals(3L);
                Map<String, Object> p = (Map<String, Object>) s.get("point");
                rateSeen |= ((Number) p.get("broadcasts")).doubleValue() > 0;
                Object requestLatency = ((Map<String, Object>) p.get("latency")).get("broadcast");
                if (requestLatency != null) {
                    latency = (Map<String, Object>) requestLatency;
                }
            }
            assertTrue(counted, "the broadcast and its 3 deliveries were never counted");
            assertTrue(rateSeen, "no second showed a broadcast");
            assertTrue(latency != null, "no second showed the broadcast's latency");
            assertEquals(1L, latency.get("n"), latency.toString());
            assertTrue(((Number) latency.get("p50")).doubleValue() > 0, latency.toString());

            // Well past the 2 s idle timeout: still one snapshot a second, later each time.
            long last = 0;
            for (int i = 0; i < 6; i++) {
                EventStream.Event event = stream.next(WAIT);
                long t = (Long) ((Map<String, Object>) Json.parseObject(event.data()).get("point")).get("t");
                assertTrue(t > last, "snapshots out of order");
                last = t;
            }
        }
    }

    @Test
    void oneStreamPastTheLimitIs503AndCountedAndGetsInOnceOneCloses() throws Exception {
        awaitStreams(0);
        long refusedBefore = metric("bifrost_dashboard_streams_refused_total");
        List<EventStream> open = new ArrayList<>();
        try {
            for (int i = 0; i < LIMIT; i++) {
                EventStream stream = EventStream.open(stream("?token=" + TOKEN), Map.of());
                open.add(stream);
                assertEquals(200, stream.status(), "stream " + (i + 1) + ": " + stream.body());
                assertEquals("history", stream.next(WAIT).event());
            }
            try (EventStream refused = EventStream.open(stream("?token=" + TOKEN), Map.of())) {
                assertEquals(503, refused.status(), refused.body());
                assertEquals("10", refused.header("Retry-After").orElse(""));
                assertEquals("{\"error\":\"16 dashboard streams are open, the most one instance serves; close a"
                        + " dashboard and retry\"}", refused.body());
            }
            assertEquals(LIMIT, metric("bifrost_dashboard_streams"));
            assertEquals(refusedBefore + 1, metric("bifrost_dashboard_streams_refused_total"));

            open.removeFirst().close();
            // The server sees the client gone at its next write, within a second.
            awaitStreams(LIMIT - 1);
            try (EventStream again = EventStream.open(stream("?token=" + TOKEN), Map.of())) {
                assertEquals(200, again.status(), again.body());
                assertEquals("history", again.next(WAIT).event());
            }
        } finally {
            open.forEach(EventStream::close);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> view(Map<String, Object> snapshot) {
        return (Map<String, Object>) snapshot.get("view");
    }

    private static Map<String, Object> awaitSnapshot(EventStream stream,
            java.util.function.Predicate<Map<String, Object>> condition) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        List<String> seen = new ArrayList<>();
        while (System.nanoTime() < deadline) {
            EventStream.Event event = stream.next(WAIT);
            Map<String, Object> snapshot = Json.parseObject(event.data());
            if (snapshot.containsKey("view") && condition.test(snapshot)) {
                return snapshot;
            }
            seen.add(event.data());
        }
        throw new AssertionError("no snapshot as expected within 20 s; the last: "
                + (seen.isEmpty() ? "none" : seen.getLast()));
    }

    private static URI stream(String query) {
        return gateway.uri().resolve("/dashboard/stream" + query);
    }

    private static void awaitStreams(long expected) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (metric("bifrost_dashboard_streams") != expected) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("dashboard streams never came to " + expected);
            }
            Thread.sleep(100);
        }
    }

    private static long metric(String name) throws Exception {
        String metrics = HTTP.send(HttpRequest.newBuilder(gateway.uri().resolve("/metrics")).timeout(WAIT).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = Pattern.compile("(?m)^" + name + " (\\d+)(\\.0)?$").matcher(metrics);
        assertTrue(m.find(), name + " missing:\n" + metrics);
        return Long.parseLong(m.group(1));
    }
}
