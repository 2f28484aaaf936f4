package io.bifrost.it;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import io.bifrost.gateway.testkit.RecoveryKit;
import io.bifrost.gateway.testkit.TestGateway;
import io.bifrost.gateway.testkit.WsClient;
import io.bifrost.it.redis.RedisServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The production jar warms up as a deploy runs it, through a real Redis: ready only after its twin's 10,000 sockets
 * and broadcasts, and nothing of the twin's in the cluster the gateway belongs to.
 */
class WarmupJarIT {
    private static final Pattern WARMED = Pattern.compile(
            "warmed up in [0-9.]+ s on a twin of the gateway: 10,[0-9]{3} sockets, 10,[0-9]{3} broadcasts; ready");

    // A production gateway as deployed, its warm-up on (GatewayProcess turns it off for every other test).
    private static GatewayProcess warmingUp(RedisServer redis, Path dir) throws Exception {
        return GatewayProcess.start(Map.of("BIFROST_ENV", "production", "JWT_SECRET", TestGateway.SECRET, "REDIS_URL",
                redis.url(), "BIFROST_INSTANCE_ID", "warm", "BIFROST_WARMUP_SECONDS", "60", "BIFROST_DRAIN_SECONDS",
                "1"), dir);
    }

    @Test
    void aProductionJarWarmsUpThroughRedisOnATwinTheClusterNeverSees(@TempDir Path dir) throws Exception {
        try (RedisServer redis = RedisServer.start();
             GatewayProcess gateway = warmingUp(redis, dir)) {
            // GatewayProcess returns once the gateway answers: while it warms up, which takes seconds.
            TestGateway.Reply ready = TestGateway.get(gateway.uri(), "/health/ready");
            assertEquals(503, ready.status());
            assertEquals("{\"status\":\"DOWN\",\"detail\":\"warming up\"}", ready.body());
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (ready.status() != 200 && System.nanoTime() < deadline) {
                Thread.sleep(200);
                ready = TestGateway.get(gateway.uri(), "/health/ready");
            }
            assertEquals(200, ready.status(), ready.body());
            assertTrue(WARMED.matcher(gateway.log()).find(), gateway.log());
            assertEquals("{\"stats\":{\"deliveries\":0,\"connected\":0,\"authenticated\":0,\"channels\":0},"
                    + "\"bus\":\"redis\",\"instances\":{\"warm\":0}}",
                    TestGateway.get(gateway.uri(), "/info.json").body());
            assertEquals(0, RecoveryKit.metric(gateway.uri(), "bifrost_broadcasts_accepted_total"));

            try (WsClient user = TestGateway.subscriber(gateway.uri(), "user:1")) {
                assertEquals(200, TestGateway.broadcast(gateway.uri(), "user:1", "e", "after").status());
                assertEquals("{\"event\":\"e\",\"data\":\"after\"}", user.nextText(TestGateway.WAIT));
            }
            if (!redis.cluster()) {
                // The twin's channels are gone with it, and it left the twins' own registry as it closed; what history
                // it wrote expires (within a day).
                assertTrue(BusProbe.isEmptyArray(redis.command("PUBSUB", "CHANNELS", "*warmup*")));
                assertTrue(BusProbe.isEmptyArray(redis.command("KEYS", "bifrost:warmup:*instances*")));
                assertTrue(BusProbe.isEmptyArray(redis.command("KEYS", "bifrost:warmup:counts*")));
                String keys = redis.command("KEYS", "bifrost:warmup:*");
                List<String> names = keys.lines().map(String::strip).filter(k -> k.startsWith("bifrost:")).toList();
                assertTrue(!names.isEmpty(), "the twin's history keys: " + keys);
                for (String key : names) {
                    String ttl = redis.command("TTL", key).strip();
                    assertTrue(ttl.matches(":[0-9]+") && Long.parseLong(ttl.substring(1)) <= 86_400, key + ": " + ttl);
                }
            }
        }
    }

    @Test
    void aSigtermDuringTheWarmupClosesTheTwinFirstAndExitsZero(@TempDir Path dir) throws Exception {
        try (RedisServer redis = RedisServer.start();
             GatewayProcess gateway = warmingUp(redis, dir)) {
            assertEquals(503, TestGateway.get(gateway.uri(), "/health/ready").status());
            gateway.process().destroy();
            assertTrue(gateway.process().waitFor(30, TimeUnit.SECONDS),
                    "no exit 30 s after SIGTERM:\n" + gateway.log());
            assertEquals(0, gateway.process().exitValue(), gateway.log());
            assertTrue(gateway.log().contains(": the gateway is stopping"), gateway.log());
            if (!redis.cluster()) {
                assertTrue(BusProbe.isEmptyArray(redis.command("KEYS", "bifrost:warmup:*instances*")));
                assertTrue(BusProbe.isEmptyArray(redis.command("KEYS", "bifrost:warmup:counts*")));
            }
        }
    }
}
