package io.bifrost.it;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.bifrost.gateway.Gateway;
import io.bifrost.gateway.config.GatewayConfig;
import io.bifrost.gateway.config.RedisSettings;
import io.bifrost.gateway.testkit.TestGateway;
import io.bifrost.gateway.testkit.WsClient;
import io.bifrost.it.redis.RedisServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static io.bifrost.gateway.testkit.TestGateway.WAIT;
import static io.bifrost.it.FaultKit.assertReceived;
import static io.bifrost.it.FaultKit.awaitClusterCount;
import static io.bifrost.gateway.testkit.TestGateway.broadcast;
import static io.bifrost.it.FaultKit.frame;
import static io.bifrost.it.FaultKit.readThrough;
import static io.bifrost.gateway.testkit.TestGateway.subscriber;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Scenario 4: one instance of a cluster is killed with SIGKILL (no shutdown hook, no goodbye to Redis). The others
 * keep serving their sockets, and within a few seconds neither {@code /info.json} nor a broadcast's
 * {@code deliveries} counts the dead instance's sockets any more.
 */
class InstanceKillIT {
    private static final String CHANNEL = "room";
    /** How long the cluster may take to forget a killed instance (its heartbeat goes stale after about 3 s). */
    private static final Duration FORGET_WITHIN = Duration.ofSeconds(10);

    @Test
    void survivorsKeepServingAndStopCountingAKilledInstancesSockets(@TempDir Path dirA, @TempDir Path dirB)
            throws Exception {
        List<WsClient> clients = new ArrayList<>();
        try (RedisServer redis = RedisServer.start();
             Processes processes = new Processes(FaultKit.startProcesses(
                     List.of(env(redis, "kill-a"), env(redis, "kill-b")), List.of(dirA, dirB)));
             Gateway c = Gateway.start(GatewayConfig.embedded(TestGateway.SECRET)
                     .withRedis(RedisSettings.of(redis.url(), "kill-c")))) {
            GatewayProcess a = processes.all().get(0);
            GatewayProcess b = processes.all().get(1);
            // 2 sockets on A (survivor), 3 on B (to be killed), 1 on C (in-process survivor).
            List<WsClient> onA = List.of(subscriber(a.uri(), CHANNEL), subscriber(a.uri(), CHANNEL));
            List<WsClient> onB = List.of(subscriber(b.uri(), CHANNEL), subscriber(b.uri(), CHANNEL),
                    subscriber(b.uri(), CHANNEL));
            WsClient onC = subscriber(c.uri(), CHANNEL);
            clients.addAll(onA);
            clients.addAll(onB);
            clients.add(onC);
            List<WsClient> survivors = new ArrayList<>(onA);
            survivors.add(onC);

            awaitClusterCount(List.of(c), CHANNEL, 6, WAIT);
            FaultKit.awaitConnected(a.uri(), 6, WAIT);
            List<String> accepted = new ArrayList<>();
            assertEquals("{\"message\":\"Success\",\"deliveries\":6}",
                    broadcast(a.uri(), CHANNEL, "e", "before").body());
            accepted.add(frame("e", "before"));
            for (WsClient client : onB) {
                assertEquals(frame("e", "before"), client.nextText(WAIT));
            }

            long killedPid = b.process().pid();
            b.process().destroyForcibly();  // SIGKILL on Linux
            assertTrue(b.process().waitFor(10, TimeUnit.SECONDS), "killed gateway did not exit");
            assertEquals(137, b.process().exitValue(), "exit status of a SIGKILLed JVM (128 + 9)");

            // The killed instance's sockets lose their connection (no close frame can come from a dead process).
            for (WsClient client : onB) {
                assertEquals(WsClient.NO_CLOSE_FRAME, client.awaitClose(WAIT).code());
            }

            // The survivor keeps serving at once; deliveries may still count the dead instance for a few seconds.
            TestGateway.Reply first = broadcast(a.uri(), CHANNEL, "e", "after-kill");
            assertEquals(200, first.status(), first.body());
            accepted.add(frame("e", "after-kill"));

            // Within a bounded time a broadcast's deliveries counts only the 3 live sockets.
            List<String> answers = new ArrayList<>();
            long deadline = System.nanoTime() + FORGET_WITHIN.toNanos();
            boolean forgotten = false;
            for (int i = 0; !forgotten && System.nanoTime() < deadline; i++) {
                TestGateway.Reply reply = broadcast(a.uri(), CHANNEL, "e", "poll-" + i);
                assertEquals(200, reply.status(), reply.body());
                accepted.add(frame("e", "poll-" + i));
                answers.add(reply.body());
                forgotten = "{\"message\":\"Success\",\"deliveries\":3}".equals(reply.body());
                if (!forgotten) {
                    Thread.sleep(200);
                }
            }
            assertTrue(forgotten, "deliveries still count the killed instance (pid " + killedPid + ") after "
                    + FORGET_WITHIN + ": " + answers);

            // And so does /info.json, on the survivor process and on the in-process one.
            FaultKit.awaitConnected(a.uri(), 3, FORGET_WITHIN);
            FaultKit.awaitConnected(c.uri(), 3, FORGET_WITHIN);
            Map<?, ?> instances = (Map<?, ?>) FaultKit.stats(a.uri()).get("instances");
            assertFalse(instances.containsKey("kill-b"), "killed instance still listed: " + instances);
            assertEquals(Map.of("kill-a", 2L, "kill-c", 1L), toLongs(instances));

            // Exact again, posted to either survivor.
            assertEquals("{\"message\":\"Success\",\"deliveries\":3}",
                    broadcast(c.uri(), CHANNEL, "e", "last").body());
            accepted.add(frame("e", "last"));
            for (int i = 0; i < survivors.size(); i++) {
                List<String> received = readThrough(survivors.get(i), frame("e", "last"), WAIT);
                assertReceived("survivor socket " + i, received, accepted, List.of());
            }
            assertEquals(3, FaultKit.connected(a.uri()));
            assertTrue(a.process().isAlive());
            // Sockets first, so the survivor's drain on SIGTERM has nobody to wait for.
            clients.forEach(WsClient::close);
        } finally {
            clients.forEach(WsClient::close);
        }
    }

    /** Closes every process, even when one of them fails to. */
    private record Processes(List<GatewayProcess> all) implements AutoCloseable {
        @Override
        public void close() {
            for (GatewayProcess process : all) {
                process.close();
            }
        }
    }

    private static Map<String, String> env(RedisServer redis, String id) {
        return Map.of("REDIS_URL", redis.url(),
                "JWT_SECRET", TestGateway.SECRET,
                "BIFROST_ENV", "development",
                "BIFROST_INSTANCE_ID", id);
    }

    private static Map<String, Long> toLongs(Map<?, ?> map) {
        Map<String, Long> out = new java.util.TreeMap<>();
        map.forEach((k, v) -> out.put(String.valueOf(k), ((Number) v).longValue()));
        return out;
    }}
