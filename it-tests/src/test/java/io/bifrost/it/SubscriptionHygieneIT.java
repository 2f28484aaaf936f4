package io.bifrost.it;

import java.time.Duration;
import java.util.List;

import io.bifrost.gateway.Gateway;
import io.bifrost.gateway.config.Limits;
import io.bifrost.gateway.testkit.TestGateway;
import io.bifrost.gateway.testkit.WsClient;
import io.bifrost.it.redis.RedisServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static io.bifrost.gateway.testkit.TestGateway.WAIT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An instance's Redis subscriptions stay exactly the channels its sockets hold, through an outage: a socket that
 * leaves while Redis is down leaves no subscription behind once Redis is back, and a socket that authenticates while
 * Redis is down is never told {@code subscribed} (it gets 1013 and reconnects).
 */
class SubscriptionHygieneIT {
    private static final Limits LIMITS = Limits.DEFAULTS.withPingInterval(Duration.ofSeconds(50));
    private static final Duration OUTAGE_WAIT = Duration.ofSeconds(20);

    private RedisServer redis;

    @BeforeEach
    void startRedis() {
        redis = RedisServer.start();
    }

    @AfterEach
    void stopRedis() {
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void aSocketLeavingDuringAnOutageLeavesNoRedisSubscriptionOnceRedisIsBack() throws Exception {
        try (Cluster cluster = Cluster.start(redis, 1, "hygiene:", LIMITS);
             WsClient stays = TestGateway.subscriber(cluster.get(0), "stays")) {
            Gateway gateway = cluster.get(0);
            WsClient leaves = TestGateway.subscriber(gateway, "leaves");
            assertEquals(List.of("hygiene:ch:leaves", "hygiene:ch:stays"), pubsubChannels());

            redis.stop();
            awaitReady(gateway, 503);
            // Its UNSUBSCRIBE cannot reach Redis now.
            leaves.close();
            awaitLocalChannels(gateway, 1);
            redis.restart();
            awaitReady(gateway, 200);

            // Lettuce re-subscribes what it knew, "leaves" included; the instance takes that one back out.
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (!pubsubChannels().equals(List.of("hygiene:ch:stays")) && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertEquals(List.of("hygiene:ch:stays"), pubsubChannels());
            assertEquals("{\"message\":\"Success\",\"deliveries\":1}",
                    TestGateway.broadcast(gateway, "stays", "e", "after").body());
            assertEquals("{\"event\":\"e\",\"data\":\"after\"}", stays.nextText(WAIT));
        }
    }

    @Test
    @SuppressWarnings("try") // the holder socket only keeps the channel subscribed
    void aSocketAuthenticatingWhileRedisIsDownGets1013AndNoSubscribed() throws Exception {
        try (Cluster cluster = Cluster.start(redis, 1, "hygiene-down:", LIMITS);
             WsClient holder = TestGateway.subscriber(cluster.get(0), "room")) {
            Gateway gateway = cluster.get(0);
            redis.stop();
            awaitReady(gateway, 503);
            // The channel is already subscribed for another socket: no answer may come from that.
            try (WsClient late = WsClient.connect(gateway.uri())) {
                late.authenticate(TestGateway.tokens().subscribeToken(List.of("room"), Duration.ofMinutes(1)));
                WsClient.Close close = late.awaitClose(WAIT);
                assertEquals(new WsClient.Close(1013, "Try again later"), close);
            }
            redis.restart();
            awaitReady(gateway, 200);
        }
    }

    private List<String> pubsubChannels() {
        String reply = redis.command("PUBSUB", "CHANNELS", "hygiene:ch:*");
        return reply.lines().map(String::strip).filter(l -> l.startsWith("hygiene:")).sorted().toList();
    }

    private static void awaitReady(Gateway gateway, int status) throws InterruptedException {
        long deadline = System.nanoTime() + OUTAGE_WAIT.toNanos();
        int last = -1;
        while (System.nanoTime() < deadline) {
            last = TestGateway.get(gateway.uri(), "/health/ready").status();
            if (last == status) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("readiness stayed " + last + ", expected " + status + " within " + OUTAGE_WAIT);
    }

    private static void awaitLocalChannels(Gateway gateway, int expected) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            if (BusProbe.subscribedChannels(gateway).orElse(-1) == expected) {
                return;
            }
            Thread.sleep(20);
        }
        assertTrue(false, "the instance still holds " + BusProbe.subscribedChannels(gateway) + " channels");
    }
}
