package io.bifrost.it.dashboard;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

import io.bifrost.gateway.config.RedisSettings;
import io.bifrost.gateway.testkit.TestGateway;
import io.bifrost.gateway.testkit.WsClient;
import io.bifrost.it.Cluster;
import io.bifrost.it.redis.RedisServer;
import io.bifrost.protocol.Json;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The dashboard's cluster view on a real Redis: every instance with what its heartbeat says (sockets, channels,
 * draining), the cluster's top channels, and an instance that drains shown draining, then gone.
 */
class DashboardClusterIT {
    private static final Duration WAIT = Duration.ofSeconds(10);

    /** The Redis the two instances share: one Redis here, a Redis Cluster in a subclass. */
    RedisServer newRedis() {
        return RedisServer.start();
    }

    @Test
    @SuppressWarnings("try") // the sockets are only there to be counted
    void eachInstanceShowsTheOthersWithTheirSocketsAndADrainingOneAsDrainingThenGone() throws Exception {
        try (RedisServer redis = newRedis();
             Cluster cluster = Cluster.start(redis, 2, RedisSettings.DEFAULT_PREFIX + "dash:", c -> c);
             WsClient a1 = TestGateway.subscriber(cluster.get(0), "news");
             WsClient a2 = TestGateway.subscriber(cluster.get(0), "news", "sport");
             WsClient b1 = TestGateway.subscriber(cluster.get(1), "news");
             EventStream stream = EventStream.open(cluster.get(0).uri().resolve("/dashboard/stream"), Map.of())) {
            assertEquals(200, stream.status(), stream.body());
            String first = "it-" + RedisSettings.DEFAULT_PREFIX + "dash:0";
            String second = "it-" + RedisSettings.DEFAULT_PREFIX + "dash:1";
            // The other instance's figures are those of its last heartbeat, read by this one's: a second or two old.
            Map<String, Object> view = awaitView(stream, v -> rows(v).size() == 2
                    && Long.valueOf(1).equals(rows(v).get(1).get("sockets"))
                    && topChannels(v).equals(List.of(Map.of("channel", "news", "sockets", 3L),
                    Map.of("channel", "sport", "sockets", 1L))));
            assertEquals(Map.of("id", first, "self", true, "sockets", 2L, "channels", 2L, "redis", "up",
                    "draining", false), withoutRates(rows(view).get(0)));
            assertEquals(Map.of("id", second, "self", false, "sockets", 1L, "channels", 1L, "redis", "up",
                    "draining", false), withoutRates(rows(view).get(1)));
            assertEquals(3L, ((Map<?, ?>) view.get("total")).get("sockets"));

            // The second instance drains over 6 s: the first shows it draining, then not at all once it left.
            CompletableFuture<Void> drained = CompletableFuture.runAsync(() -> cluster.get(1).drain(Duration.ofSeconds(6)));
            awaitView(stream, v -> rows(v).size() == 2 && Boolean.TRUE.equals(rows(v).get(1).get("draining")));
            drained.get(30, java.util.concurrent.TimeUnit.SECONDS);
            Map<String, Object> after = awaitView(stream, v -> rows(v).size() == 1);
            assertEquals(first, rows(after).getFirst().get("id"));
        }
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> rows(Map<String, Object> view) {
        return (List<Map<String, Object>>) view.get("instances");
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> topChannels(Map<String, Object> view) {
        return (List<Map<String, Object>>) view.get("topChannels");
    }

    private static Map<String, Object> withoutRates(Map<String, Object> row) {
        Map<String, Object> copy = new java.util.LinkedHashMap<>(row);
        copy.remove("deliveriesPerSecond");
        copy.remove("backlog");
        return copy;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> awaitView(EventStream stream,
            java.util.function.Predicate<Map<String, Object>> condition) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        Optional<Object> last = Optional.empty();
        while (System.nanoTime() < deadline) {
            EventStream.Event event = stream.next(WAIT);
            if (!event.event().equals("message")) {
                continue;
            }
            Map<String, Object> snapshot = Json.parseObject(event.data());
            Object view = snapshot.get("view");
            if (view != null) {
                last = Optional.of(view);
                if (condition.test((Map<String, Object>) view)) {
                    return (Map<String, Object>) view;
                }
            }
        }
        throw new AssertionError("no view as expected within 20 s; the last: " + last.orElse("none"));
    }
}
