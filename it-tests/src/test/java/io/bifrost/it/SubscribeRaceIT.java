package io.bifrost.it;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;

import io.bifrost.gateway.Gateway;
import io.bifrost.gateway.testkit.WsClient;
import io.bifrost.it.redis.RedisServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static io.bifrost.gateway.testkit.TestGateway.WAIT;
import static io.bifrost.gateway.testkit.TestGateway.broadcast;
import static io.bifrost.gateway.testkit.TestGateway.subscribed;
import static io.bifrost.gateway.testkit.TestGateway.tokens;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Scenario 2: once a socket has read {@code subscribed}, a broadcast accepted by another instance right afterwards
 * reaches it. Each round uses a channel nobody held before, so instance A has to SUBSCRIBE in Redis every time and
 * the broadcast to B races that subscription as closely as a client can make it.
 */
class SubscribeRaceIT {
    private static final int ROUNDS = 300;
    private static final Duration BUDGET = Duration.ofSeconds(90);

    static RedisServer redis;

    @BeforeAll
    static void startRedis() {
        redis = RedisServer.start();
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
    }

    @Test
    void aBroadcastToAnotherInstanceRightAfterSubscribedIsNeverMissed() throws Exception {
        try (Cluster cluster = Cluster.start(redis, 2)) {
            Gateway a = cluster.get(0);
            Gateway b = cluster.get(1);
            String run = Long.toString(System.nanoTime(), 36);
            long started = System.nanoTime();
            long deadline = started + BUDGET.toNanos();
            for (int round = 0; round < ROUNDS; round++) {
                if (System.nanoTime() > deadline) {
                    fail("only " + round + " of " + ROUNDS + " rounds within " + BUDGET);
                }
                String channel = "race:" + run + ":" + round;
                String expected = "{\"event\":\"race\",\"data\":\"" + round + "\"}";
                try (WsClient client = WsClient.connect(a.uri())) {
                    client.authenticate(tokens().subscribeToken(List.of(channel), Duration.ofMinutes(1)));
                    assertEquals(subscribed(channel), client.nextText(WAIT), "round " + round + ": subscribed");
                    // The very moment subscribed is read: broadcast through the other instance.
                    var reply = broadcast(b, channel, "race", String.valueOf(round));
                    assertEquals(200, reply.status(), "round " + round + ": broadcast answered " + reply.body());
                    String got;
                    try {
                        got = client.nextText(WAIT);
                    } catch (SocketTimeoutException e) {
                        fail("round " + round + ": a broadcast accepted by B after the socket on A read subscribed"
                                + " for " + channel + " never arrived within " + WAIT + " (B answered "
                                + reply.body() + ")");
                        return;
                    }
                    assertEquals(expected, got, "round " + round + ": the broadcast frame");
                    // Nothing else (a duplicate) is queued ahead of the answer to a ping.
                    client.sendText("{\"event\":\"ping\"}");
                    assertEquals("{\"event\":\"pong\"}", client.nextText(WAIT), "round " + round
                            + ": the frame after the broadcast");
                } catch (IOException e) {
                    throw new AssertionError("round " + round + " on " + channel + ": " + e, e);
                }
            }
            Duration took = Duration.ofNanos(System.nanoTime() - started);
            System.out.println("SubscribeRaceIT: " + ROUNDS + " rounds in " + took.toMillis() + " ms");
            assertTrue(took.compareTo(BUDGET) <= 0, "took " + took);
            // Every round's channel was left again: A holds no subscription in Redis (bounded wait).
            long until = System.nanoTime() + WAIT.toNanos();
            String reply = subscriptionsLeft();
            while (!BusProbe.isEmptyArray(reply) && System.nanoTime() < until) {
                Thread.sleep(50);
                reply = subscriptionsLeft();
            }
            assertTrue(BusProbe.isEmptyArray(reply), "subscriptions left in Redis: " + reply);
        }
    }

    // The gateway's pub/sub channels Redis still has subscribers on; on a cluster, its sharded channels on any node.
    private static String subscriptionsLeft() {
        return redis instanceof io.bifrost.it.redis.RedisCluster cluster ? cluster.shardChannels("bifrost:*")
                : redis.command("PUBSUB", "CHANNELS", "bifrost:ch:*");
    }
}
