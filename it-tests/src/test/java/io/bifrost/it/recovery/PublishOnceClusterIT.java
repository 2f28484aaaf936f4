package io.bifrost.it.recovery;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.bifrost.gateway.Gateway;
import io.bifrost.gateway.testkit.RecoveryKit;
import io.bifrost.gateway.testkit.TestGateway;
import io.bifrost.gateway.testkit.WsClient;
import io.bifrost.it.FaultKit;
import io.bifrost.it.Cluster;
import io.bifrost.it.redis.RedisServer;
import io.bifrost.protocol.BifrostSubscriber;
import io.bifrost.protocol.Position;
import io.bifrost.protocol.SubscriberEvent;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static io.bifrost.gateway.testkit.RecoveryKit.deliveries;
import static io.bifrost.gateway.testkit.RecoveryKit.expectMessages;
import static io.bifrost.gateway.testkit.RecoveryKit.expectNothing;
import static io.bifrost.gateway.testkit.RecoveryKit.expectSubscribed;
import static io.bifrost.gateway.testkit.TestGateway.WAIT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 10, acceptance: idempotent publishing ({@code jti}: posted twice, and posted to two instances at once, it is
 * delivered once) and batch publishing (one message to 100 channels on two instances: each socket gets it once per
 * channel it holds, {@code deliveries} is the sum). Two instances on one real Redis.
 */
class PublishOnceClusterIT {
    private static final String DUPLICATE = "{\"message\":\"Success\",\"deliveries\":0,\"duplicate\":true}";
    private static final Duration QUIET = Duration.ofMillis(300);

    static RedisServer redis;

    @BeforeAll
    static void startRedis() {
        redis = RedisServer.start();
    }

    @AfterAll
    static void stopRedis() {
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void theSameJtiPostedTwiceToEitherInstanceIsDeliveredOnce() throws Exception {
        try (Cluster cluster = Cluster.start(redis, 2, "jti-twice:", c -> c);
             WsClient onA = TestGateway.subscriber(cluster.get(0).uri(), "jti");
             BifrostSubscriber onB = RecoveryKit.optIn(cluster.get(1).uri(), List.of("jti"), Map.of())) {
            expectSubscribed(onB, "jti");
            FaultKit.awaitClusterCount(cluster.all(), "jti", 2, WAIT);
            URI a = cluster.get(0).uri();
            URI b = cluster.get(1).uri();

            String token = RecoveryKit.broadcastToken(List.of("jti"), false, "1", "jti-twice-1");
            TestGateway.Reply first = RecoveryKit.post(a, token);
            assertEquals("{\"message\":\"Success\",\"deliveries\":2}", first.body());
            TestGateway.Reply again = RecoveryKit.post(a, token);
            assertEquals(200, again.status());
            assertEquals(DUPLICATE, again.body(), "the same token again, same instance");
            TestGateway.Reply elsewhere = RecoveryKit.post(b, token);
            assertEquals(DUPLICATE, elsewhere.body(), "the same token again, the other instance");
            TestGateway.Reply sameJti = RecoveryKit.broadcast(b, "jti", "other", "jti-twice-1");
            assertEquals(DUPLICATE, sameJti.body(), "another token with the same jti");
            RecoveryKit.broadcastAll(b, "jti", 2, 2);

            assertEquals(frame(1), onA.nextText(WAIT));
            assertEquals(frame(2), onA.nextText(WAIT), "a duplicate was delivered on the first instance");
            List<SubscriberEvent.Message> got = expectMessages(onB, 2);
            assertEquals(List.of(1L, 2L), RecoveryKit.numbers(got), "a duplicate was delivered on the other instance");
            expectNothing(onB, QUIET);
        }
    }

    @Test
    void theSameJtiPostedToTwoInstancesAtOnceIsDeliveredOnceEveryRound() throws Exception {
        int rounds = 150;
        ExecutorService posters = Executors.newFixedThreadPool(2);
        try (Cluster cluster = Cluster.start(redis, 2, "jti-race:", c -> c);
             WsClient onA = TestGateway.subscriber(cluster.get(0).uri(), "race");
             BifrostSubscriber onB = RecoveryKit.optIn(cluster.get(1).uri(), List.of("race"), Map.of())) {
            expectSubscribed(onB, "race");
            URI a = cluster.get(0).uri();
            URI b = cluster.get(1).uri();
            List<String> wrong = new ArrayList<>();
            for (int round = 1; round <= rounds; round++) {
                String token = RecoveryKit.broadcastToken(List.of("race"), false, Integer.toString(round),
                        "race-" + round);
                CountDownLatch go = new CountDownLatch(1);
                Future<TestGateway.Reply> toA = posters.submit(post(go, a, token));
                Future<TestGateway.Reply> toB = posters.submit(post(go, b, token));
                go.countDown();
                TestGateway.Reply ra = toA.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
                TestGateway.Reply rb = toB.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
                boolean aFirst = !ra.body().equals(DUPLICATE);
                boolean bFirst = !rb.body().equals(DUPLICATE);
                if (ra.status() != 200 || rb.status() != 200 || aFirst == bFirst
                        || !(aFirst ? ra : rb).body().startsWith("{\"message\":\"Success\",\"deliveries\":")) {
                    wrong.add("round " + round + ": " + ra.status() + " " + ra.body() + " / " + rb.status() + " "
                            + rb.body());
                }
            }
            assertTrue(wrong.isEmpty(), "each round must have one delivering answer and one duplicate: " + wrong);
            RecoveryKit.broadcastAll(a, "race", rounds + 1, rounds + 1);
            for (int n = 1; n <= rounds + 1; n++) {
                assertEquals(frame(n), onA.nextText(WAIT), "the first instance's socket, once per round, in order");
            }
            List<Long> got = RecoveryKit.numbers(expectMessages(onB, rounds + 1));
            RecoveryKit.assertExactly(got, 1, rounds + 1, "the other instance's socket");
            expectNothing(onB, QUIET);
        } finally {
            posters.shutdownNow();
        }
    }

    @Test
    void aBroadcastRefusedWhileTheBusIsKnownDownDoesNotUseItsJtiUp() throws Exception {
        // The instance's pub/sub connection is killed: it refuses broadcasts (503) until it subscribed again, without
        // running them. The same token posted once it is back must be delivered, not answered as a duplicate.
        try (Cluster cluster = Cluster.start(redis, 2, "jti-503:", c -> c);
             WsClient socket = TestGateway.subscriber(cluster.get(0).uri(), "refused");
             ClusterKit.Admin admin = new ClusterKit.Admin(redis)) {
            URI a = cluster.get(0).uri();
            int refusedRounds = 0;
            List<String> wrong = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            int round = 0;
            while (refusedRounds < 5 && round < 100 && System.nanoTime() < deadline) {
                round++;
                List<String> clients = ClusterKit.pubsubClients(admin);
                assertEquals(1, clients.size(), "only the first instance holds a socket: " + clients);
                String token = RecoveryKit.broadcastToken(List.of("refused"), false, Integer.toString(round),
                        "refused-" + round);
                admin.call("CLIENT", "KILL", "ID", clients.getFirst().substring(3, clients.getFirst().indexOf(' ')));
                TestGateway.Reply first = RecoveryKit.post(a, token);
                ClusterKit.awaitReady(a, WAIT);
                // Once ready, its own socket is subscribed again.
                TestGateway.Reply second = RecoveryKit.post(a, token);
                if (first.status() == 503) {
                    refusedRounds++;
                    if (!second.body().equals("{\"message\":\"Success\",\"deliveries\":1}")) {
                        wrong.add("round " + round + ": 503, then " + second.status() + " " + second.body());
                    }
                } else if (first.status() == 200 && !second.body().equals(DUPLICATE)) {
                    wrong.add("round " + round + ": " + first.body() + ", then " + second.body());
                }
                assertEquals(frame(round), socket.nextText(WAIT), "round " + round + ": delivered once");
            }
            System.err.println("PublishOnceClusterIT: " + refusedRounds + " of " + round + " rounds refused with 503");
            assertTrue(wrong.isEmpty(), wrong.toString());
            assertTrue(refusedRounds > 0, "never saw a 503 right after a pub/sub kill in " + round + " rounds");
            RecoveryKit.broadcastAll(a, "refused", 1000, 1000);
            assertEquals(frame(1000), socket.nextText(WAIT), "a round was delivered twice");
        }
    }

    @Test
    void aBatchTo100ChannelsReachesEverySocketOncePerChannelItHoldsOnBothInstances() throws Exception {
        List<String> channels = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            channels.add("batch:" + i);
        }
        Random random = new Random(6);
        try (Cluster cluster = Cluster.start(redis, 2, "batch:", c -> c)) {
            List<WsClient> cores = new ArrayList<>();
            List<Set<String>> held = new ArrayList<>();
            List<BifrostSubscriber> optedIn = new ArrayList<>();
            Map<String, Integer> expected = new LinkedHashMap<>();
            channels.forEach(c -> expected.put(c, 0));
            try {
                for (Gateway instance : cluster.all()) {
                    for (int s = 0; s < 3; s++) {
                        List<String> mine = new ArrayList<>(channels);
                        Collections.shuffle(mine, random);
                        mine = new ArrayList<>(mine.subList(0, 1 + random.nextInt(70)));
                        // Beside the batch's channels, one it does not name.
                        mine.add("batch:other");
                        cores.add(TestGateway.subscriber(instance.uri(), mine.toArray(String[]::new)));
                        held.add(new HashSet<>(mine));
                        mine.forEach(c -> expected.merge(c, 1, Integer::sum));
                    }
                    BifrostSubscriber all = RecoveryKit.optIn(instance.uri(), channels, Map.of());
                    optedIn.add(all);
                    for (String channel : channels) {
                        expectSubscribed(all, channel);
                    }
                    channels.forEach(c -> expected.merge(c, 1, Integer::sum));
                }
                for (String channel : channels) {
                    FaultKit.awaitClusterCount(cluster.all(), channel, expected.get(channel), WAIT);
                }
                long sum = channels.stream().mapToLong(expected::get).sum();

                TestGateway.Reply invalid = RecoveryKit.batch(cluster.get(0).uri(),
                        List.of(channels.get(0), channels.get(1), ""), "0", null);
                assertEquals(400, invalid.status(), "one invalid name refuses the whole batch: " + invalid.body());

                TestGateway.Reply viaA = RecoveryKit.batch(cluster.get(0).uri(), channels, "1", "batch-1");
                assertEquals(200, viaA.status(), viaA.body());
                assertEquals(sum, deliveries(viaA), "deliveries must be the sum over the 100 channels");
                TestGateway.Reply viaB = RecoveryKit.batch(cluster.get(1).uri(), channels, "2", "batch-2");
                assertEquals(sum, deliveries(viaB), "deliveries must be the sum over the 100 channels");
                TestGateway.Reply repeated = RecoveryKit.batch(cluster.get(1).uri(), channels, "1", "batch-1");
                assertEquals(DUPLICATE, repeated.body(), "a batch's jti is taken once, on any instance");
                // The last batch: every socket's frames for the two batches before it arrive before it, channel by
                // channel.
                TestGateway.Reply last = RecoveryKit.batch(cluster.get(0).uri(), channels, "3", null);
                assertEquals(sum, deliveries(last), last.body());

                for (int i = 0; i < cores.size(); i++) {
                    int k = held.get(i).size() - 1;
                    Map<Long, Integer> counts = readCore(cores.get(i), k);
                    assertEquals(Map.of(1L, k, 2L, k, 3L, k), counts, "core socket " + i + " holding " + k
                            + " of the batch's channels (and one other)");
                }
                for (int i = 0; i < optedIn.size(); i++) {
                    Map<String, List<Long>> perChannel = new HashMap<>();
                    Map<String, List<Position>> positions = new HashMap<>();
                    for (SubscriberEvent.Message m : expectMessages(optedIn.get(i), 300)) {
                        perChannel.computeIfAbsent(m.channel().orElseThrow(), c -> new ArrayList<>())
                                .add(RecoveryKit.number(m));
                        positions.computeIfAbsent(m.channel().orElseThrow(), c -> new ArrayList<>())
                                .add(m.id().orElseThrow());
                    }
                    for (String channel : channels) {
                        assertEquals(List.of(1L, 2L, 3L), perChannel.get(channel), "opted-in socket " + i + " on "
                                + channel);
                        List<Position> ids = positions.get(channel);
                        assertEquals(List.of(ids.getFirst(), ids.getFirst().next(), ids.getFirst().next().next()),
                                ids, "each channel has its own consecutive positions");
                    }
                    expectNothing(optedIn.get(i), QUIET);
                }
            } finally {
                cores.forEach(WsClient::close);
                optedIn.forEach(BifrostSubscriber::close);
            }
        }
    }

    // Reads a core socket's frames until `k` frames of the last batch (3) came; counts them by number.
    private static Map<Long, Integer> readCore(WsClient socket, int k) throws IOException {
        Map<Long, Integer> counts = new HashMap<>();
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (counts.getOrDefault(3L, 0) < k) {
            long left = (deadline - System.nanoTime()) / 1_000_000;
            String frame;
            try {
                frame = left <= 0 ? null : socket.nextText(Duration.ofMillis(left));
            } catch (SocketTimeoutException e) {
                frame = null;
            }
            if (frame == null) {
                throw new AssertionError("only " + counts + " within " + WAIT + ", expecting " + k + " of each");
            }
            long n = -1;
            for (long candidate = 1; candidate <= 3; candidate++) {
                if (frame.equals(frame(candidate))) {
                    n = candidate;
                }
            }
            assertTrue(n > 0, "unexpected frame " + frame + " after " + counts);
            counts.merge(n, 1, Integer::sum);
        }
        try {
            String extra = socket.nextText(QUIET);
            throw new AssertionError("more than one frame per channel and batch: " + extra + " after " + counts);
        } catch (SocketTimeoutException e) {
            return counts;
        }
    }

    private static Callable<TestGateway.Reply> post(CountDownLatch go, URI base, String token) {
        return () -> {
            go.await();
            return RecoveryKit.post(base, token);
        };
    }

    private static String frame(long n) {
        return "{\"event\":\"n\",\"data\":\"" + n + "\"}";
    }
}
