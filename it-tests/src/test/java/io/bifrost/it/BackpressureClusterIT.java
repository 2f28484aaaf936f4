package io.bifrost.it;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.bifrost.gateway.Gateway;
import io.bifrost.gateway.config.Limits;
import io.bifrost.gateway.hub.Backlog;
import io.bifrost.gateway.testkit.TestGateway;
import io.bifrost.gateway.testkit.WsClient;
import io.bifrost.it.redis.RedisServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static io.bifrost.gateway.testkit.TestGateway.WAIT;
import static io.bifrost.gateway.testkit.TestGateway.broadcast;
import static io.bifrost.gateway.testkit.TestGateway.subscriber;
import static io.bifrost.it.FaultKit.awaitClusterCount;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Backpressure across instances: when the instance holding a channel's sockets is behind (BIFROST_MAX_BACKLOG),
 * a broadcast posted to another instance is held back too, through Redis, instead of being accepted there and
 * piling up where it cannot be written; it goes out once the holder catches up.
 *
 * <p>The holder's backlog is filled by counting deliveries into it: a real overload cannot be produced on cue on a
 * shared two-core machine (the benchmark's {@code cross} scenario does it for real).
 */
class BackpressureClusterIT {
    private static final Limits LIMITS = Limits.DEFAULTS.withMaxBacklog(10).withBacklogWait(Duration.ofMillis(400));

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
    void broadcastToAChannelWhoseInstanceIsBehindIsHeldBackOnEveryInstance() throws Exception {
        try (Cluster cluster = Cluster.start(redis, 2, "bp:", LIMITS)) {
            Gateway holder = cluster.get(0);
            Gateway publisher = cluster.get(1);
            try (WsClient reader = subscriber(holder, "busy");
                 WsClient elsewhere = subscriber(publisher, "calm")) {
                awaitClusterCount(cluster.all(), "busy", 1, WAIT);
                queue(holder.backlog(), 11);

                Refusal refusal = awaitRefused(publisher, "busy");
                TestGateway.Reply held = refusal.reply();
                assertEquals("1", held.retryAfter());
                assertEquals("{\"error\":\"instance it-bp:0, which holds sockets on this channel, is behind its"
                        + " deliveries (BIFROST_MAX_BACKLOG); the broadcast was not sent, retry after 1 s\"}",
                        held.body());
                assertEquals("{\"message\":\"Success\",\"deliveries\":1}",
                        broadcast(publisher, "calm", "c", "goes").body(), "channels the holder lacks are not held");
                assertEquals("{\"event\":\"c\",\"data\":\"goes\"}", elsewhere.nextText(WAIT));

                // Waiting longer than the mark takes to clear: the held broadcast goes out once the holder caught up.
                CompletableFuture<TestGateway.Reply> waiting = CompletableFuture.supplyAsync(
                        () -> TestGateway.broadcast(publisher.uri(), "busy", "waited", "its turn"));
                holder.backlog().done(11);
                TestGateway.Reply reply = waiting.get(WAIT.toSeconds(), TimeUnit.SECONDS);
                if (reply.status() == 503) {
                    // The 400 ms wait ran out before the holder's mark was cleared; a retry, as a client would.
                    reply = broadcast(publisher, "busy", "waited", "its turn");
                }
                assertEquals("{\"message\":\"Success\",\"deliveries\":1}", reply.body());
                for (int i = 0; i < refusal.acceptedBefore(); i++) {
                    assertEquals("{\"event\":\"probe\",\"data\":\"" + i + "\"}", reader.nextText(WAIT));
                }
                assertEquals("{\"event\":\"waited\",\"data\":\"its turn\"}", reader.nextText(WAIT),
                        "the refused broadcasts never reached the socket");
                assertTrue(publisher.stats().broadcastsHeld() >= 1);
            }
        }
    }

    @Test
    @SuppressWarnings("try") // the reader socket is only there to be held up
    void aHeldBroadcastWaitsForItsInstanceWithoutRunningThePublishStepAgainAndAgain() throws Exception {
        Limits longWait = Limits.DEFAULTS.withMaxBacklog(10).withBacklogWait(Duration.ofSeconds(2));
        try (Cluster cluster = Cluster.start(redis, 2, "bp-steps:", longWait)) {
            Gateway holder = cluster.get(0);
            Gateway publisher = cluster.get(1);
            try (WsClient reader = subscriber(holder, "busy")) {
                awaitClusterCount(cluster.all(), "busy", 1, WAIT);
                queue(holder.backlog(), 11);
                awaitRefused(publisher, "busy");

                // Held for its whole 2 s wait: the publish step ran once (or twice, when a mark refresh raced the
                // local copy), not once per few milliseconds as a retry loop would.
                long before = publisher.stats().publishSteps();
                TestGateway.Reply held = broadcast(publisher, "busy", "held", "x");
                long steps = publisher.stats().publishSteps() - before;
                assertEquals(503, held.status(), held.body());
                assertTrue(steps <= 3, "the held broadcast ran the publish step " + steps + " times");
                holder.backlog().done(11);
            }
        }
    }

    // The holder marks itself behind in Redis within tens of milliseconds; until then the publisher still accepts.
    private record Refusal(TestGateway.Reply reply, int acceptedBefore) {
    }

    private static Refusal awaitRefused(Gateway publisher, String channel) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        int accepted = 0;
        while (System.nanoTime() < deadline) {
            TestGateway.Reply reply = broadcast(publisher, channel, "probe", String.valueOf(accepted));
            if (reply.status() == 503) {
                return new Refusal(reply, accepted);
            }
            assertEquals(200, reply.status(), reply.body());
            accepted++;
            Thread.sleep(20);
        }
        throw new AssertionError("the publisher never held back a broadcast to the behind instance's channel ("
                + accepted + " accepted)");
    }

    private static void queue(Backlog backlog, int deliveries) {
        for (int i = 0; i < deliveries; i++) {
            backlog.queued();
        }
    }
}
