package io.bifrost.it;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.bifrost.gateway.Gateway;
import io.bifrost.gateway.config.Limits;
import io.bifrost.gateway.testkit.TestGateway;
import io.bifrost.gateway.testkit.WsClient;
import io.bifrost.it.redis.RedisServer;
import io.bifrost.it.redis.RedisServers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static io.bifrost.gateway.testkit.TestGateway.WAIT;
import static io.bifrost.it.FaultKit.assertReceived;
import static io.bifrost.it.FaultKit.awaitClusterCount;
import static io.bifrost.gateway.testkit.TestGateway.broadcast;
import static io.bifrost.it.FaultKit.frame;
import static io.bifrost.it.FaultKit.readThrough;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Scenario 3: Redis goes away (stopped, or frozen) under a two-instance cluster and comes back.
 *
 * <p>While it is away every broadcast is refused with a JSON 503 (none is answered 200 and then lost) and readiness is
 * DOWN. When it is back, without any client reconnecting, broadcasts are accepted again and reach the same sockets on
 * both instances, readiness is UP and the cluster counts (gone with a restarted Redis) are rewritten by the
 * instances themselves.
 */
class RedisOutageIT {
    private static final String CHANNEL = "outage";
    /** Sockets sit unread during the outage: keep the server's ping-timeout out of the picture. */
    private static final Limits LIMITS = Limits.DEFAULTS.withPingInterval(Duration.ofSeconds(50));
    /** Bound for the cluster to notice an outage, and to recover from one. */
    private static final Duration OUTAGE_WAIT = Duration.ofSeconds(20);
    /** Consecutive 503s (alternating instances) that show every broadcast is now refused. */
    private static final int REFUSED_IN_A_ROW = 4;

    private RedisServer redis;

    @BeforeEach
    void startRedis() {
        redis = newRedis();
    }

    /** @return the Redis the test breaks (a subclass runs the same outages on a Redis Cluster) */
    RedisServer newRedis() {
        return RedisServer.start();
    }

    @AfterEach
    void stopRedis() {
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void aGatewayStartedWhileItsRedisIsDownWaitsForItInsteadOfExiting() throws Exception {
        // A Redis that starts beside the gateway (compose, a cold TLS handshake) is waited for, a bounded while.
        redis.stop();
        Thread restarter = Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(2_000);
                redis.restart();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        try {
            startSubscribeAndDeliver(redis, "late");
        } finally {
            restarter.join(Duration.ofSeconds(40));
        }
    }

    @Test
    void aGatewayWhoseRedisDroppedItsFirstConnectionsTakesSocketsAsSoonAsItStarted() throws Exception {
        // A container's published port accepts before Redis listens inside it, then drops the connection: a start
        // that waited through that must not come up marked down (its first sockets were closed with 1013).
        assumeTrue(!redis.cluster(), "one Redis's case; RedisOutageIT runs it");
        // A redis-server process of its own in every mode: the stand-in below needs the stopped Redis's port free,
        // which a container's published port is not.
        try (RedisServer own = RedisServers.start(RedisServers.Kind.PROCESS, RedisServers.Tls.NONE)) {
            // Warmed, a gateway opens its listener within milliseconds of its bus starting, well inside the second
            // before the bus's own heartbeat would have noticed Redis is fine: the window the 1013s came through.
            try (Cluster warm = Cluster.start(own, 1, "warm-redis:", LIMITS)) {
                assertEquals(200, broadcast(warm.get(0), CHANNEL, "warm", "1").status());
            }
            own.stop();
            ServerSocket dropper = new ServerSocket();
            dropper.setReuseAddress(true);
            dropper.bind(new InetSocketAddress("127.0.0.1", URI.create(own.url()).getPort()));
            Thread dropping = Thread.ofVirtual().start(() -> {
                try {
                    while (true) {
                        dropper.accept().close();
                    }
                } catch (IOException closed) {
                    // The stand-in was closed: Redis takes its port.
                }
            });
            Thread restarter = Thread.ofVirtual().start(() -> {
                try {
                    Thread.sleep(1_500);
                    dropper.close();
                    dropping.join();
                    own.restart();
                } catch (InterruptedException | IOException e) {
                    Thread.currentThread().interrupt();
                }
            });
            try {
                startSubscribeAndDeliver(own, "dropped");
            } finally {
                dropper.close();
                restarter.join(Duration.ofSeconds(40));
            }
        }
    }

    // One gateway on the server (its start waits for a Redis not up yet), a socket subscribed, a broadcast delivered.
    private static void startSubscribeAndDeliver(RedisServer server, String name) throws Exception {
        try (Cluster cluster = Cluster.start(server, 1, name + "-redis:", LIMITS);
             WsClient socket = TestGateway.subscriber(cluster.get(0), CHANNEL)) {
            assertEquals(200, broadcast(cluster.get(0), CHANNEL, name, "1").status());
            assertEquals(frame(name, "1"), socket.nextText(WAIT));
        }
    }

    @Test
    void aSocketJoiningWhileRedisIsFrozenIsToldToRetryWithinTheRedisTimeout() throws Exception {
        // A socket waits for its channels with no timer of its own (Session.awaitJoins): the bus must end that wait.
        // Unbounded, the socket would sit until the 30 s authentication timeout and get 1008 instead.
        try (Cluster cluster = Cluster.start(redis, 1, "frozen-join-redis:", LIMITS)) {
            redis.pause();
            try (WsClient socket = WsClient.connect(cluster.get(0).uri())) {
                socket.authenticate(TestGateway.tokens().subscribeToken(List.of("frozen-join"), Duration.ofMinutes(1)));
                WsClient.Close close = socket.awaitClose(Duration.ofSeconds(15));
                assertEquals(1013, close.code(), "closed with " + close);
            } finally {
                redis.unpause();
            }
        }
    }

    @Test
    void redisStoppedAndRestartedEmpty() throws Exception {
        outage("stop", redis::stop, redis::restart);
    }

    @Test
    void redisFrozenAndThawed() throws Exception {
        boolean[] paused = {false};
        try {
            outage("pause", () -> {
                redis.pause();
                paused[0] = true;
            }, () -> {
                redis.unpause();
                paused[0] = false;
            });
        } finally {
            if (paused[0]) {
                redis.unpause();
            }
        }
    }

    private void outage(String name, Runnable breakRedis, Runnable healRedis) throws Exception {
        try (Cluster cluster = Cluster.start(redis, 2, "outage-" + name + ":", LIMITS);
             WsClient on0 = TestGateway.subscriber(cluster.get(0), CHANNEL);
             WsClient on1 = TestGateway.subscriber(cluster.get(1), CHANNEL)) {
            List<Gateway> gateways = cluster.all();
            awaitClusterCount(gateways, CHANNEL, 2, WAIT);
            List<String> accepted = new ArrayList<>();
            Set<String> refused = new LinkedHashSet<>();
            int sent = 0;

            // Healthy: both sockets counted, readiness UP.
            for (int i = 0; i < 2; i++) {
                TestGateway.Reply reply = broadcast(cluster.get(i).uri(), CHANNEL, "e", "before-" + i);
                assertEquals("{\"message\":\"Success\",\"deliveries\":2}", reply.body());
                accepted.add(frame("e", "before-" + i));
            }
            for (Gateway gateway : gateways) {
                assertReady(gateway.uri(), 200, "UP", WAIT);
            }

            breakRedis.run();

            // Within a bounded time every broadcast, to either instance, is refused; any 200 on the way must be
            // delivered (checked at the end).
            int refusedInARow = 0;
            long deadline = System.nanoTime() + OUTAGE_WAIT.toNanos();
            List<String> answers = new ArrayList<>();
            while (refusedInARow < REFUSED_IN_A_ROW && System.nanoTime() < deadline) {
                int target = sent % 2;
                String data = "down-" + sent++;
                TestGateway.Reply reply = broadcast(cluster.get(target).uri(), CHANNEL, "e", data);
                answers.add(data + "@" + target + "=" + reply.status());
                if (reply.status() == 200) {
                    accepted.add(frame("e", data));
                    refusedInARow = 0;
                } else {
                    assertRefused(reply);
                    refused.add(frame("e", data));
                    refusedInARow++;
                }
            }
            assertEquals(REFUSED_IN_A_ROW, refusedInARow, "broadcasts were still accepted " + OUTAGE_WAIT
                    + " after Redis went away (" + name + "): " + answers);
            System.err.println("RedisOutageIT(" + name + ") while down: " + answers);
            for (Gateway gateway : gateways) {
                assertReady(gateway.uri(), 503, "DOWN", WAIT);
            }
            // Still refused now that readiness says DOWN.
            for (int i = 0; i < 2; i++) {
                String data = "down-" + sent++;
                TestGateway.Reply reply = broadcast(cluster.get(i).uri(), CHANNEL, "e", data);
                assertRefused(reply);
                refused.add(frame("e", data));
            }

            healRedis.run();

            // Within a bounded time both instances accept broadcasts again. Every 200 from here on must be delivered.
            boolean[] up = new boolean[2];
            answers.clear();
            deadline = System.nanoTime() + OUTAGE_WAIT.toNanos();
            while (!(up[0] && up[1]) && System.nanoTime() < deadline) {
                int target = sent % 2;
                String data = "up-" + sent++;
                TestGateway.Reply reply = broadcast(cluster.get(target).uri(), CHANNEL, "e", data);
                answers.add(data + "@" + target + "=" + reply.status() + " " + reply.body());
                if (reply.status() == 200) {
                    accepted.add(frame("e", data));
                    up[target] = true;
                } else {
                    assertRefused(reply);
                    refused.add(frame("e", data));
                    Thread.sleep(100);
                }
            }
            assertTrue(up[0] && up[1], "broadcasts not accepted again within " + OUTAGE_WAIT + " of Redis coming"
                    + " back (" + name + "): " + answers);
            System.err.println("RedisOutageIT(" + name + ") recovering: " + answers);
            for (Gateway gateway : gateways) {
                assertReady(gateway.uri(), 200, "UP", WAIT);
            }
            // The instances rewrite their counts themselves (a restarted Redis is empty).
            awaitClusterCount(gateways, CHANNEL, 2, WAIT);

            // Exact answers, and across instances: posted to 0 reaches the socket on 1 and the other way round.
            for (int i = 0; i < 2; i++) {
                TestGateway.Reply reply = broadcast(cluster.get(i).uri(), CHANNEL, "e", "after-" + i);
                assertEquals(200, reply.status(), reply.body());
                assertEquals("{\"message\":\"Success\",\"deliveries\":2}", reply.body());
                accepted.add(frame("e", "after-" + i));
            }
            String last = frame("e", "after-1");
            List<String> received0 = readThrough(on0, last, WAIT);
            List<String> received1 = readThrough(on1, last, WAIT);
            String context = " (" + name + "; answers after recovery: " + answers + ")";
            for (List<String> received : List.of(received0, received1)) {
                List<String> refusedYetDelivered = received.stream().filter(refused::contains).toList();
                if (!refusedYetDelivered.isEmpty()) {
                    System.err.println("RedisOutageIT(" + name + ") answered 503 yet delivered: "
                            + refusedYetDelivered);
                }
            }
            assertReceived("socket on instance 0" + context, received0, accepted, refused);
            assertReceived("socket on instance 1" + context, received1, accepted, refused);
            assertTrue(received1.contains(frame("e", "after-0")), "posted to 0, socket on 1: " + received1);
            assertTrue(received0.contains(frame("e", "after-1")), "posted to 1, socket on 0: " + received0);

            // The same sockets, never closed or replaced.
            assertEquals(1, cluster.get(0).connected());
            assertEquals(1, cluster.get(1).connected());
            assertTrue(on0.isOpen() && on1.isOpen());
            FaultKit.awaitConnected(cluster.get(0).uri(), 2, WAIT);
        }
    }

    private static void assertRefused(TestGateway.Reply reply) {
        assertEquals(503, reply.status(), "expected 503, got " + reply.status() + " " + reply.body());
        assertTrue(reply.contentType().startsWith("application/json"), reply.contentType());
        Map<String, Object> body = FaultKit.json(reply.body());
        assertInstanceOf(String.class, body.get("error"), reply.body());
    }

    private static void assertReady(URI base, int status, String state, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        TestGateway.Reply reply;
        do {
            reply = TestGateway.get(base, "/health/ready");
            if (reply.status() == status && state.equals(FaultKit.json(reply.body()).get("status"))) {
                return;
            }
            Thread.sleep(50);
        } while (System.nanoTime() < deadline);
        fail("/health/ready of " + base + " is not " + status + " " + state + " within " + timeout + ": "
                + reply.status() + " " + reply.body());
    }}
