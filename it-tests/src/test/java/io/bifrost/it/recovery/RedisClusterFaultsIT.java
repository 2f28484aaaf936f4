package io.bifrost.it.recovery;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

import io.bifrost.gateway.testkit.RecoveryKit;
import io.bifrost.gateway.testkit.TestGateway;
import io.bifrost.gateway.testkit.WsClient;
import io.bifrost.it.Cluster;
import io.bifrost.it.redis.RedisCluster;
import org.junit.jupiter.api.Test;

import static io.bifrost.gateway.testkit.TestGateway.WAIT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A busy channel's shard changes under a steady publisher on a Redis Cluster: its slot is migrated to another primary,
 * or its primary hands over to its replica. Every broadcast answered 200 reaches every socket on both instances, once
 * and in order (what pub/sub missed while the subscription moved is healed from history), and the same sockets stay
 * connected throughout.
 */
class RedisClusterFaultsIT {
    private static final String CHANNEL = "busy";
    private static final int SOCKETS_PER_INSTANCE = 2;
    /** One broadcast every this often: the history (100 by default) covers a couple of seconds of it. */
    private static final Duration PACE = Duration.ofMillis(10);
    private static final Duration STEADY_BEFORE = Duration.ofMillis(800);
    private static final Duration STEADY_AFTER = Duration.ofMillis(1500);
    private static final Duration ALL_DELIVERED = Duration.ofSeconds(20);

    @Test
    void migratingABusyChannelsSlotToAnotherPrimaryLosesNoBroadcastAnswered200() throws Exception {
        try (RedisCluster redis = RedisCluster.start(3, 0)) {
            int slot = slotOf(redis);
            RedisCluster.Node from = redis.ownerOf(slot);
            RedisCluster.Node to = redis.nodes().stream().limit(3).filter(n -> n != from).findFirst().orElseThrow();
            run(redis, "migrate", () -> redis.migrate(slot, to));
            assertEquals(to.port(), redis.ownerOf(slot).port(), "the slot moved");
        }
    }

    @Test
    void aManualFailoverOfTheBusyChannelsPrimaryLosesNoBroadcastAnswered200() throws Exception {
        try (RedisCluster redis = RedisCluster.start(3, 1)) {
            int slot = slotOf(redis);
            RedisCluster.Node primary = redis.ownerOf(slot);
            RedisCluster.Node replica = redis.replicaOf(primary);
            run(redis, "failover", () -> redis.failover(replica));
            assertEquals(replica.port(), redis.ownerOf(slot).port(), "the replica took over the slot");
        }
    }

    // The slot of every name the channel uses (the gateway tags them with a digest of the channel).
    private static int slotOf(RedisCluster redis) {
        return redis.slotOf("{" + Integer.toHexString(CHANNEL.hashCode()) + "}");
    }

    private static void run(RedisCluster redis, String fault, Runnable change) throws Exception {
        try (Cluster gateways = Cluster.start(redis, 2, fault + ":", c -> c)) {
            List<WsClient> sockets = new ArrayList<>();
            try {
                for (int i = 0; i < 2 * SOCKETS_PER_INSTANCE; i++) {
                    sockets.add(TestGateway.subscriber(gateways.get(i % 2), CHANNEL));
                }
                ClusterKit.awaitCount(gateways.all(), CHANNEL, sockets.size(), WAIT);
                AtomicBoolean stop = new AtomicBoolean();
                List<Integer> answered200 = new ArrayList<>();
                List<Integer> refused = new ArrayList<>();
                CompletableFuture<Void> publisher = CompletableFuture.runAsync(() -> {
                    for (int i = 0; i < 100_000 && !stop.get(); i++) {
                        TestGateway.Reply reply = TestGateway.broadcast(gateways.get(i % 2), CHANNEL, "n",
                                String.valueOf(i));
                        (reply.status() == 200 ? answered200 : refused).add(i);
                        sleep(PACE);
                    }
                });
                sleep(STEADY_BEFORE);
                long started = System.nanoTime();
                change.run();
                long tookMillis = (System.nanoTime() - started) / 1_000_000;
                sleep(STEADY_AFTER);
                stop.set(true);
                publisher.get(WAIT.toMillis() * 3, java.util.concurrent.TimeUnit.MILLISECONDS);
                int missing = 0;
                for (WsClient socket : sockets) {
                    missing += missingOn(socket, answered200);
                }
                long lost = 0;
                long healed = 0;
                for (var gateway : gateways.all()) {
                    lost += RecoveryKit.metric(gateway.uri(), "bifrost_relay_lost_total");
                    healed += RecoveryKit.metric(gateway.uri(), "bifrost_relay_healed_total");
                }
                System.err.println("[cluster " + fault + "] took " + tookMillis + " ms; posted "
                        + (answered200.size() + refused.size()) + ", answered 200: " + answered200.size()
                        + ", refused: " + refused.size() + "; sockets " + sockets.size() + ", missing on them: "
                        + missing + "; relay healed " + healed + ", relay lost " + lost);
                assertTrue(answered200.size() > 50, "the publisher kept publishing: " + answered200.size());
                assertEquals(0, missing, "broadcasts answered 200 that a socket never received");
                assertEquals(0, lost, "bifrost_relay_lost_total");
                for (WsClient socket : sockets) {
                    assertTrue(socket.isOpen(), "the socket stayed connected");
                }
            } finally {
                sockets.forEach(WsClient::close);
            }
        }
    }

    // Reads the socket until it has every broadcast answered 200 (bounded), checking they come once and in order; a
    // broadcast refused with 503 may come too (a 503 for a timeout is "not known to be sent"). Returns how many of
    // those answered 200 never came.
    private static int missingOn(WsClient socket, List<Integer> answered200) {
        java.util.Set<Integer> waiting = new java.util.HashSet<>(answered200);
        long deadline = System.nanoTime() + ALL_DELIVERED.toNanos();
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
        return waiting.size();
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
