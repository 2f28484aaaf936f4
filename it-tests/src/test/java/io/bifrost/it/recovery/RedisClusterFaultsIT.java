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
import io.bifrost.it.FaultKit;
import io.bifrost.it.Cluster;
import io.bifrost.it.redis.RedisCluster;
import org.junit.jupiter.api.Test;

import static io.bifrost.gateway.testkit.TestGateway.WAIT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A busy channel's shard changes under a steady publisher on a Redis Cluster: its slot is migrated to another primary,
 * its primary hands over to its replica, or its primary is killed. After a migration or a hand-over every broadcast
 * answered 200 reaches every socket on both instances, once and in order (what pub/sub missed while the subscription
 * moved is healed from history); after a kill, everything answered once the replica took over does. The same sockets
 * stay connected throughout. Each run prints what was posted, refused and missed.
 */
class RedisClusterFaultsIT {
    private static final String CHANNEL = "busy";
    private static final int SOCKETS_PER_INSTANCE = 2;
    /** One broadcast every this often: the history (100 by default) covers a couple of seconds of it. */
    private static final Duration PACE = Duration.ofMillis(10);
    private static final Duration STEADY_BEFORE = Duration.ofMillis(800);
    /** Answered 200 in a row after the change before the publisher stops. */
    private static final int AFTER = 100;
    private static final Duration PUBLISH_BOUND = Duration.ofSeconds(40);
    private static final Duration ALL_DELIVERED = Duration.ofSeconds(20);

    @Test
    void migratingABusyChannelsSlotToAnotherPrimaryLosesNoBroadcastAnswered200() throws Exception {
        try (RedisCluster redis = RedisCluster.start(3, 0)) {
            int slot = slotOf(redis);
            RedisCluster.Node from = redis.ownerOf(slot);
            RedisCluster.Node to = redis.nodes().stream().limit(3).filter(n -> n != from).findFirst().orElseThrow();
            Outcome outcome = run(redis, "migrate", () -> redis.migrate(slot, to));
            assertEquals(to.port(), redis.ownerOf(slot).port(), "the slot moved");
            assertEquals(0, outcome.missing(), "broadcasts answered 200 that a socket never received");
            assertEquals(0, outcome.lost(), "bifrost_relay_lost_total");
        }
    }

    @Test
    void aManualFailoverOfTheBusyChannelsPrimaryLosesNoBroadcastAnswered200() throws Exception {
        try (RedisCluster redis = RedisCluster.start(3, 1)) {
            int slot = slotOf(redis);
            RedisCluster.Node primary = redis.ownerOf(slot);
            RedisCluster.Node replica = redis.replicaOf(primary);
            Outcome outcome = run(redis, "failover", () -> redis.failover(replica));
            assertEquals(replica.port(), redis.ownerOf(slot).port(), "the replica took over the slot");
            assertEquals(0, outcome.missing(), "broadcasts answered 200 that a socket never received");
            assertEquals(0, outcome.lost(), "bifrost_relay_lost_total");
        }
    }

    @Test
    void killingTheBusyChannelsPrimaryRefusesBroadcastsUntilItsReplicaTakesOverThenNothingIsMissed()
            throws Exception {
        try (RedisCluster redis = RedisCluster.start(3, 1)) {
            int slot = slotOf(redis);
            RedisCluster.Node primary = redis.ownerOf(slot);
            RedisCluster.Node replica = redis.replicaOf(primary);
            Outcome outcome = run(redis, "kill", () -> {
                redis.kill(primary);
                if (!awaitOwner(redis, slot, replica, Duration.ofSeconds(15))) {
                    // Redis's own election, not the gateway, is late (seen once in CI under load): the replica takes
                    // the slot without it, and what the gateway does after the failover is still what is tested.
                    System.err.println("[cluster kill] no election within 15 s: CLUSTER FAILOVER TAKEOVER on "
                            + replica.port());
                    redis.takeOver(replica);
                    awaitOwner(redis, slot, replica, Duration.ofSeconds(15));
                }
            });
            assertEquals(replica.port(), redis.ownerOf(slot).port(), "the replica took over the slot");
            // A crash may take the last unreplicated writes with it (CLUSTER.md): what was answered before the last
            // 503 is counted and printed, not required. What was answered after it must all arrive.
            assertEquals(0, outcome.missingAfterLast503(), "answered 200 after the failover, never received");
        }
    }

    private static boolean awaitOwner(RedisCluster redis, int slot, RedisCluster.Node node, Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        while (!ownedBy(redis, slot, node) && System.nanoTime() < deadline) {
            sleep(Duration.ofMillis(50));
        }
        return ownedBy(redis, slot, node);
    }

    // While the cluster elects a new primary, no node may own the slot yet.
    private static boolean ownedBy(RedisCluster redis, int slot, RedisCluster.Node node) {
        try {
            return redis.ownerOf(slot) == node;
        } catch (IllegalStateException e) {
            return false;
        }
    }

    // The slot of every name the channel uses (the gateway tags them with a digest of the channel).
    private static int slotOf(RedisCluster redis) {
        return redis.slotOf("{" + Integer.toHexString(CHANNEL.hashCode()) + "}");
    }

    /**
     * What a run saw.
     *
     * @param missing             answered 200, missing on a socket (summed over sockets)
     * @param missingAfterLast503 of those, answered after the last 503
     * @param lost                bifrost_relay_lost_total over both instances
     */
    private record Outcome(int missing, int missingAfterLast503, long lost) {
    }

    // Sockets on both instances, a publisher alternating between them every PACE; the change is made after a steady
    // start, and the publisher goes on until AFTER broadcasts in a row were answered 200 (bounded).
    private static Outcome run(RedisCluster redis, String fault, Runnable change) throws Exception {
        try (Cluster gateways = Cluster.start(redis, 2, fault + ":", c -> c)) {
            List<WsClient> sockets = new ArrayList<>();
            try {
                for (int i = 0; i < 2 * SOCKETS_PER_INSTANCE; i++) {
                    sockets.add(TestGateway.subscriber(gateways.get(i % 2), CHANNEL));
                }
                FaultKit.awaitClusterCount(gateways.all(), CHANNEL, sockets.size(), WAIT);
                AtomicBoolean changed = new AtomicBoolean();
                List<Integer> answered200 = new ArrayList<>();
                List<Integer> refused = new ArrayList<>();
                List<Long> refusedAt = new ArrayList<>();
                long deadline = System.nanoTime() + PUBLISH_BOUND.toNanos();
                CompletableFuture<Void> publisher = CompletableFuture.runAsync(() -> {
                    int inARow = 0;
                    for (int i = 0; System.nanoTime() < deadline && (!changed.get() || inARow < AFTER); i++) {
                        TestGateway.Reply reply = TestGateway.broadcast(gateways.get(i % 2), CHANNEL, "n",
                                String.valueOf(i));
                        if (reply.status() == 200) {
                            answered200.add(i);
                            // Only what is answered once the change is made counts towards stopping.
                            inARow = changed.get() ? inARow + 1 : 0;
                        } else {
                            refused.add(i);
                            refusedAt.add(System.nanoTime());
                            inARow = 0;
                        }
                        sleep(PACE);
                    }
                });
                sleep(STEADY_BEFORE);
                long started = System.nanoTime();
                change.run();
                long tookMillis = (System.nanoTime() - started) / 1_000_000;
                changed.set(true);
                publisher.get(PUBLISH_BOUND.toMillis() + WAIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
                int last503 = refused.isEmpty() ? -1 : refused.getLast();
                int missing = 0;
                int missingAfter = 0;
                for (WsClient socket : sockets) {
                    java.util.Set<Integer> never = missingOn(socket, answered200);
                    missing += never.size();
                    missingAfter += (int) never.stream().filter(i -> i > last503).count();
                }
                long lost = 0;
                long healed = 0;
                for (var gateway : gateways.all()) {
                    lost += RecoveryKit.metric(gateway.uri(), "bifrost_relay_lost_total");
                    healed += RecoveryKit.metric(gateway.uri(), "bifrost_relay_healed_total");
                }
                long window = refusedAt.size() < 2 ? 0 : (refusedAt.getLast() - refusedAt.getFirst()) / 1_000_000;
                System.err.println("[cluster " + fault + "] took " + tookMillis + " ms; posted "
                        + (answered200.size() + refused.size()) + ", answered 200: " + answered200.size()
                        + ", refused: " + refused.size() + " (first to last 503: " + window + " ms); sockets "
                        + sockets.size() + ", missing on them: " + missing + " (after the last 503: " + missingAfter
                        + "); relay healed " + healed + ", relay lost " + lost);
                assertTrue(answered200.size() > AFTER, "the publisher kept publishing: " + answered200.size());
                for (WsClient socket : sockets) {
                    assertTrue(socket.isOpen(), "the socket stayed connected");
                }
                return new Outcome(missing, missingAfter, lost);
            } finally {
                sockets.forEach(WsClient::close);
            }
        }
    }

    // Reads the socket until it has every broadcast answered 200 (bounded), checking they come once and in order; a
    // broadcast refused with 503 may come too (a 503 for a timeout is "not known to be sent"). Returns how many of
    // those answered 200 never came.
    private static java.util.Set<Integer> missingOn(WsClient socket, List<Integer> answered200) {
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
