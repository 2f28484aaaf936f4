package io.bifrost.it.recovery;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import io.bifrost.gateway.Gateway;
import io.bifrost.gateway.config.GatewayConfig;
import io.bifrost.gateway.config.RedisSettings;
import io.bifrost.gateway.testkit.RecoveryKit;
import io.bifrost.gateway.testkit.TestGateway;
import io.bifrost.gateway.testkit.WsClient;
import io.bifrost.it.FaultKit;
import io.bifrost.it.redis.RedisSentinel;
import org.junit.jupiter.api.Test;

import static io.bifrost.gateway.testkit.TestGateway.WAIT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two instances on a primary watched by three Sentinels ({@code redis-sentinel://} URL). The primary is killed under
 * a steady publisher; the Sentinels promote the replica; broadcasts resume on both instances without restarting them,
 * and the sockets subscribed before the failover (the same connections, never reconnected) receive what is published
 * after it. The window of 503s (first to last, from the publisher's side) is measured and printed.
 */
class SentinelFailoverIT {
    private static final String CHANNEL = "feed";
    private static final Duration PACE = Duration.ofMillis(10);
    /** Published after the last 503 before the publisher stops. */
    private static final int AFTER = 100;
    private static final Duration FAILOVER_BOUND = Duration.ofSeconds(40);

    @Test
    void killingThePrimaryPromotesTheReplicaAndTheSameSocketsReceiveWhatIsPublishedAfter() throws Exception {
        try (RedisSentinel redis = RedisSentinel.start();
             Gateway a = Gateway.start(config(redis, "sentinel-a"));
             Gateway b = Gateway.start(config(redis, "sentinel-b"))) {
            List<Gateway> gateways = List.of(a, b);
            List<WsClient> sockets = new ArrayList<>();
            try {
                for (int i = 0; i < 4; i++) {
                    sockets.add(TestGateway.subscriber(gateways.get(i % 2), CHANNEL));
                }
                FaultKit.awaitClusterCount(gateways, CHANNEL, sockets.size(), WAIT);
                AtomicBoolean killed = new AtomicBoolean();
                List<Integer> answered200 = new ArrayList<>();
                List<Long> refusedAt = new ArrayList<>();
                List<Integer> refused = new ArrayList<>();
                long deadline = System.nanoTime() + FAILOVER_BOUND.toNanos();
                CompletableFuture<Void> publisher = CompletableFuture.runAsync(() -> {
                    int sinceLast503 = 0;
                    for (int i = 0; System.nanoTime() < deadline && (!killed.get() || refused.isEmpty()
                            || sinceLast503 < AFTER); i++) {
                        TestGateway.Reply reply = TestGateway.broadcast(gateways.get(i % 2), CHANNEL, "n",
                                String.valueOf(i));
                        if (reply.status() == 200) {
                            answered200.add(i);
                            sinceLast503++;
                        } else {
                            refused.add(i);
                            refusedAt.add(System.nanoTime());
                            sinceLast503 = 0;
                        }
                        sleep(PACE);
                    }
                });
                sleep(Duration.ofMillis(800));
                redis.killPrimary();
                killed.set(true);
                redis.awaitPromoted();
                publisher.get(FAILOVER_BOUND.toMillis() + WAIT.toMillis(), TimeUnit.MILLISECONDS);
                assertTrue(!refused.isEmpty(), "the failover was seen as 503s");
                long windowMillis = (refusedAt.getLast() - refusedAt.getFirst()) / 1_000_000;
                int last503 = refused.getLast();
                List<Integer> after = answered200.stream().filter(i -> i > last503).toList();
                assertTrue(after.size() >= AFTER, "broadcasts resumed after the failover: " + after.size());
                int missingAfter = 0;
                int missingAll = 0;
                for (WsClient socket : sockets) {
                    Set<Integer> missing = missingOn(socket, answered200);
                    missingAll += missing.size();
                    missingAfter += (int) missing.stream().filter(i -> i > last503).count();
                }
                long lost = RecoveryKit.metric(a.uri(), "bifrost_relay_lost_total")
                        + RecoveryKit.metric(b.uri(), "bifrost_relay_lost_total");
                System.err.println("[sentinel failover] 503 window " + windowMillis + " ms (" + refused.size()
                        + " broadcasts refused, first to last); answered 200: " + answered200.size() + " (" + after.size()
                        + " after the last 503); missing on the " + sockets.size() + " sockets: " + missingAll
                        + " (after the last 503: " + missingAfter + "); relay lost " + lost);
                assertEquals(0, missingAfter, "broadcasts answered 200 after the failover that a socket missed");
                for (WsClient socket : sockets) {
                    assertTrue(socket.isOpen(), "the socket was never closed");
                }
            } finally {
                sockets.forEach(WsClient::close);
            }
        }
    }

    private static GatewayConfig config(RedisSentinel redis, String id) {
        return GatewayConfig.embedded(TestGateway.SECRET).withRedis(new RedisSettings(redis.url(),
                RedisSettings.TlsVerify.FULL, "sentinel:", RedisSettings.DEFAULT_TIMEOUT, id, false));
    }

    // Reads the socket until it has every broadcast answered 200 (bounded), checking order; returns those never seen.
    private static Set<Integer> missingOn(WsClient socket, List<Integer> answered200) {
        Set<Integer> waiting = new HashSet<>(answered200);
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        int last = -1;
        while (!waiting.isEmpty() && System.nanoTime() < deadline) {
            String text;
            try {
                text = socket.nextText(Duration.ofSeconds(5));
            } catch (IOException e) {
                break;
            }
            int value = Integer.parseInt(text.replaceAll(".*\"data\":\"(\\d+)\".*", "$1"));
            assertTrue(value > last, "once and in order: " + value + " after " + last);
            last = value;
            waiting.remove(value);
        }
        return waiting;
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
