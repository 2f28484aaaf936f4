package io.bifrost.it.recovery;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.bifrost.gateway.Gateway;
import io.bifrost.gateway.config.GatewayConfig;
import io.bifrost.gateway.config.RecoverySettings;
import io.bifrost.gateway.config.RedisSettings;
import io.bifrost.gateway.testkit.RecoveryKit;
import io.bifrost.gateway.testkit.TestGateway;
import io.bifrost.gateway.testkit.WsClient;
import io.bifrost.it.Cluster;
import io.bifrost.it.redis.RedisServer;
import io.bifrost.protocol.BifrostSubscriber;
import io.bifrost.protocol.Position;
import io.bifrost.protocol.SubscriberEvent;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static io.bifrost.gateway.testkit.RecoveryKit.assertExactly;
import static io.bifrost.gateway.testkit.RecoveryKit.assertPositionsFollow;
import static io.bifrost.gateway.testkit.RecoveryKit.broadcast;
import static io.bifrost.gateway.testkit.RecoveryKit.broadcastAll;
import static io.bifrost.gateway.testkit.RecoveryKit.expectMessages;
import static io.bifrost.gateway.testkit.RecoveryKit.expectNothing;
import static io.bifrost.gateway.testkit.RecoveryKit.expectSubscribed;
import static io.bifrost.gateway.testkit.RecoveryKit.numbers;
import static io.bifrost.gateway.testkit.RecoveryKit.optIn;
import static io.bifrost.gateway.testkit.TestGateway.WAIT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 10, acceptance: a socket that lost its instance reconnects to the other one and resumes there with what it
 * missed, in order, then live; none twice, none skipped, also while a publisher keeps sending. And a gap longer than
 * the history is {@code recovered:false}, never a partial replay. Two instances on one real Redis.
 */
class ResumeClusterIT {
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
    void reconnectingToTheOtherInstanceAfterMissing50BroadcastsGivesAll50InOrderThenLive() throws Exception {
        try (Cluster cluster = Cluster.start(redis, 2, "resume50:", c -> c)) {
            URI a = cluster.get(0).uri();
            URI b = cluster.get(1).uri();
            String channel = "user:50";
            Map<String, Position> since;
            try (BifrostSubscriber first = optIn(a, List.of(channel), Map.of())) {
                SubscriberEvent.Subscribed ack = expectSubscribed(first, channel);
                assertEquals(Optional.of(true), ack.recovered(), ack.toString());
                assertEquals(OptionalLong.of(0), ack.missed(), ack.toString());
                broadcastAll(a, channel, 1, 5);
                broadcastAll(b, channel, 6, 10);
                assertExactly(numbers(expectMessages(first, 10)), 1, 10, "the socket on the first instance");
                since = first.positions();
            }
            Position last = since.get(channel);
            assertEquals(10, last.offset(), since.toString());

            // Missed: 50 broadcasts, through both instances.
            for (int n = 11; n <= 60; n++) {
                broadcastAll(n % 2 == 0 ? a : b, channel, n, n);
            }

            try (BifrostSubscriber resumed = optIn(b, List.of(channel), since)) {
                SubscriberEvent.Subscribed ack = expectSubscribed(resumed, channel);
                assertEquals(Optional.of(true), ack.recovered(), ack.toString());
                assertEquals(OptionalLong.of(50), ack.missed(), ack.toString());
                List<SubscriberEvent.Message> missed = expectMessages(resumed, 50);
                assertExactly(numbers(missed), 11, 60, "the socket resumed on the other instance");
                assertPositionsFollow(missed, channel, last);

                broadcastAll(a, channel, 61, 65);
                broadcastAll(b, channel, 66, 70);
                List<SubscriberEvent.Message> live = expectMessages(resumed, 10);
                assertExactly(numbers(live), 61, 70, "live broadcasts after the replay");
                assertPositionsFollow(live, channel, missed.getLast().id().orElseThrow());
                expectNothing(resumed, QUIET);
            }
        }
    }

    @Test
    void resumingOnTheOtherInstanceWhileAPublisherKeepsSendingMissesNothingAndDuplicatesNothing() throws Exception {
        // The gap grows while the resume is served (up to 230 broadcasts): a history that holds all of it, so that
        // anything short of exactly-once is the relay's fault, not the history's size.
        try (Cluster cluster = Cluster.start(redis, 2, "resumebusy:",
                c -> c.withRecovery(RecoverySettings.DEFAULTS.withHistorySize(1000)))) {
            ExecutorService publisher = Executors.newSingleThreadExecutor();
            try {
                for (int round = 0; round < 4; round++) {
                    // Odd rounds: the other instance already holds the channel (a core socket stays there), so the
                    // resume joins a live relay; even rounds: it subscribes the channel for this very socket.
                    resumeDuringPublishing(cluster, publisher, "busy:" + round, round % 2 == 1);
                }
            } finally {
                publisher.shutdownNow();
            }
        }
    }

    // A socket on instance A sees 1..20 and leaves; 21..70 are published through both instances; the socket resumes on
    // instance B while 71..250 are being published through both: it must see exactly 21..250 with consecutive
    // positions, and a core socket that stayed on B sees 1..250.
    private static void resumeDuringPublishing(Cluster cluster, ExecutorService publisher, String channel,
                                               boolean warm) throws Exception {
        URI a = cluster.get(0).uri();
        URI b = cluster.get(1).uri();
        int total = 250;
        try (WsClient bystander = warm ? TestGateway.subscriber(b, channel) : null) {
            Map<String, Position> since;
            try (BifrostSubscriber first = optIn(a, List.of(channel), Map.of())) {
                expectSubscribed(first, channel);
                broadcastAll(a, channel, 1, 20);
                assertExactly(numbers(expectMessages(first, 20)), 1, 20, channel + ": the first socket");
                since = first.positions();
            }
            for (int n = 21; n <= 70; n++) {
                broadcastAll(n % 2 == 0 ? a : b, channel, n, n);
            }
            AtomicLong published = new AtomicLong(70);
            CountDownLatch underway = new CountDownLatch(1);
            Future<?> publishing = publisher.submit((Callable<Void>) () -> {
                for (long n = 71; n <= total; n++) {
                    TestGateway.Reply reply = broadcast(n % 2 == 0 ? a : b, channel, Long.toString(n), null);
                    assertEquals(200, reply.status(), n + ": " + reply.body());
                    published.set(n);
                    if (n == 90) {
                        underway.countDown();
                    }
                }
                return null;
            });
            assertTrue(underway.await(WAIT.toMillis(), TimeUnit.MILLISECONDS), "the publisher did not get going");
            try (BifrostSubscriber resumed = optIn(b, List.of(channel), since)) {
                SubscriberEvent.Subscribed ack = expectSubscribed(resumed, channel);
                assertEquals(Optional.of(true), ack.recovered(), channel + ": " + ack);
                long missed = ack.missed().orElseThrow();
                assertTrue(missed >= 70 && missed <= total - 20, channel + ": missed " + missed);
                publishing.get(WAIT.toMillis() * 3, TimeUnit.MILLISECONDS);
                List<SubscriberEvent.Message> all = expectMessages(resumed, total - 20);
                assertExactly(numbers(all), 21, total, channel + " (resumed with missed " + missed + ")");
                assertPositionsFollow(all, channel, since.get(channel));
                expectNothing(resumed, QUIET);
            }
            if (bystander != null) {
                for (int n = 1; n <= total; n++) {
                    assertEquals("{\"event\":\"n\",\"data\":\"" + n + "\"}", bystander.nextText(WAIT),
                            channel + ": the core socket on the other instance");
                }
            }
        }
    }

    @Test
    void aResumeOnAnInstanceThatHasNotYetHeardOfAnAcceptedBroadcastCountsItAndNeverRepeatsIt() throws Exception {
        // The second instance hears of every broadcast over pub/sub 400 ms late (a proxy holds pub/sub messages back;
        // commands pass at once). The client neither knows nor cares: a broadcast answered 200 before its resume is
        // missed (replayed, counted), and one it already received is not missed (not replayed, not repeated live).
        Duration lag = Duration.ofMillis(400);
        String prefix = "lag:";
        try (LaggingProxy proxy = new LaggingProxy(URI.create(redis.url()), lag);
             Gateway fast = Gateway.start(GatewayConfig.embedded(TestGateway.SECRET)
                     .withRedis(RedisSettings.of(redis.url(), "it-lag-fast").withPrefix(prefix)));
             Gateway slow = Gateway.start(GatewayConfig.embedded(TestGateway.SECRET)
                     .withRedis(RedisSettings.of(proxy.url(), "it-lag-slow").withPrefix(prefix)))) {
            String channel = "lag";
            // The lagging instance already relays the channel to a socket of its own.
            try (WsClient warm = TestGateway.subscriber(slow.uri(), channel)) {
                Map<String, Position> since = seen(fast.uri(), channel, 1);

                // Answered 200, not yet heard of by the lagging instance when the resume reaches it.
                broadcastAll(fast.uri(), channel, 2, 2);
                try (BifrostSubscriber resumed = optIn(slow.uri(), List.of(channel), since)) {
                    SubscriberEvent.Subscribed ack = expectSubscribed(resumed, channel);
                    List<SubscriberEvent.Message> got = expectMessages(resumed, 1);
                    assertExactly(numbers(got), 2, 2, "the socket resumed on the lagging instance");
                    expectNothing(resumed, lag.multipliedBy(2));
                    assertEquals(new SubscriberEvent.Subscribed(channel, Optional.of(true), OptionalLong.of(1)), ack,
                            "broadcast 2 was answered 200 before the resume: it is missed, and counted");
                }

                // Received on the fast instance, not yet heard of by the lagging one when the resume reaches it.
                Map<String, Position> upToDate;
                try (BifrostSubscriber onFast = optIn(fast.uri(), List.of(channel), seenSince(since, channel, 2))) {
                    expectSubscribed(onFast, channel);
                    expectNothing(onFast, Duration.ofMillis(50));
                    broadcastAll(fast.uri(), channel, 3, 3);
                    assertExactly(numbers(expectMessages(onFast, 1)), 3, 3, "the socket on the fast instance");
                    upToDate = onFast.positions();
                }
                try (BifrostSubscriber resumed = optIn(slow.uri(), List.of(channel), upToDate)) {
                    SubscriberEvent.Subscribed ack = expectSubscribed(resumed, channel);
                    List<SubscriberEvent> after = new java.util.ArrayList<>();
                    resumed.next(lag.multipliedBy(2)).ifPresent(after::add);
                    assertEquals(new SubscriberEvent.Subscribed(channel, Optional.of(true), OptionalLong.of(0)), ack,
                            "resumed at the channel's last broadcast (3), which the lagging instance had not relayed"
                                    + " yet; then got " + after);
                    assertTrue(after.isEmpty(), "broadcast 3 came again after a resume from its own position: " + after);
                }
                for (int n = 1; n <= 3; n++) {
                    assertEquals("{\"event\":\"n\",\"data\":\"" + n + "\"}", warm.nextText(WAIT),
                            "the core socket on the lagging instance");
                }
            }
        }
    }

    // The position of the channel's broadcast `offset` in the same epoch as `since`.
    private static Map<String, Position> seenSince(Map<String, Position> since, String channel, long offset) {
        return Map.of(channel, new Position(since.get(channel).epoch(), offset));
    }

    @Test
    void aResumeOfSeveralChannelsAnswersEachInTokenOrderWithItsOwnMissedThenLive() throws Exception {
        try (Cluster cluster = Cluster.start(redis, 2, "multi:", c -> c)) {
            URI a = cluster.get(0).uri();
            URI b = cluster.get(1).uri();
            List<String> first = List.of("multi:x", "multi:y", "multi:z");
            Map<String, Position> since;
            try (BifrostSubscriber s = optIn(a, first, Map.of())) {
                first.forEach(c -> expectSubscribedUnchecked(s, c));
                broadcastAll(a, "multi:x", 1, 3);
                broadcastAll(b, "multi:y", 1, 2);
                broadcastAll(a, "multi:z", 1, 1);
                expectMessages(s, 6);
                since = new java.util.LinkedHashMap<>(s.positions());
            }
            broadcastAll(b, "multi:x", 4, 6);
            broadcastAll(a, "multi:z", 2, 2);
            // z from another epoch: not resumable; w has no entry: live only.
            since.put("multi:z", new Position(since.get("multi:z").epoch().equals("zz") ? "yy" : "zz", 1));
            try (BifrostSubscriber resumed = optIn(b, List.of("multi:z", "multi:x", "multi:y", "multi:w"), since)) {
                assertEquals(new SubscriberEvent.Subscribed("multi:z", Optional.of(false), OptionalLong.of(0)),
                        expectSubscribed(resumed, "multi:z"));
                assertEquals(new SubscriberEvent.Subscribed("multi:x", Optional.of(true), OptionalLong.of(3)),
                        expectSubscribed(resumed, "multi:x"));
                List<SubscriberEvent.Message> missedX = expectMessages(resumed, 3);
                assertExactly(numbers(missedX), 4, 6, "x's missed broadcasts, right after x's subscribed");
                assertPositionsFollow(missedX, "multi:x", since.get("multi:x"));
                assertEquals(new SubscriberEvent.Subscribed("multi:y", Optional.of(true), OptionalLong.of(0)),
                        expectSubscribed(resumed, "multi:y"));
                assertEquals(new SubscriberEvent.Subscribed("multi:w", Optional.of(true), OptionalLong.of(0)),
                        expectSubscribed(resumed, "multi:w"));
                expectNothing(resumed, QUIET);
                broadcastAll(a, "multi:w", 1, 1);
                SubscriberEvent.Message live = expectMessages(resumed, 1).getFirst();
                assertEquals(Optional.of("multi:w"), live.channel(), live.json());
            }
        }
    }

    @Test
    void aLaterAuthenticateResumesTheChannelsItAddsAndLeavesTheHeldOnesAlone() throws Exception {
        try (Cluster cluster = Cluster.start(redis, 2, "later:", c -> c)) {
            URI a = cluster.get(0).uri();
            URI b = cluster.get(1).uri();
            Map<String, Position> sinceY = seen(b, "later:y", 2);
            broadcastAll(b, "later:y", 3, 4);
            try (BifrostSubscriber s = optIn(a, List.of("later:x"), Map.of())) {
                expectSubscribed(s, "later:x");
                broadcastAll(a, "later:x", 1, 1);
                assertExactly(numbers(expectMessages(s, 1)), 1, 1, "x before the second authenticate");
                s.authenticate(RecoveryKit.subscribeToken(List.of("later:x", "later:y")), sinceY);
                assertEquals(new SubscriberEvent.Subscribed("later:x", Optional.of(true), OptionalLong.of(0)),
                        expectSubscribed(s, "later:x"), "x is held and live: nothing to resume, nothing replayed");
                assertEquals(new SubscriberEvent.Subscribed("later:y", Optional.of(true), OptionalLong.of(2)),
                        expectSubscribed(s, "later:y"));
                List<SubscriberEvent.Message> missed = expectMessages(s, 2);
                assertExactly(numbers(missed), 3, 4, "y's missed broadcasts");
                assertPositionsFollow(missed, "later:y", sinceY.get("later:y"));
                expectNothing(s, QUIET);
                broadcastAll(b, "later:x", 2, 2);
                broadcastAll(a, "later:y", 5, 5);
                List<SubscriberEvent.Message> live = expectMessages(s, 2);
                assertEquals(java.util.Set.of("later:x:2", "later:y:5"), java.util.Set.of(
                        live.get(0).channel().orElseThrow() + ":" + live.get(0).data(),
                        live.get(1).channel().orElseThrow() + ":" + live.get(1).data()));
            }
        }
    }

    @Test
    void aHistoryPastItsAgeIsNotResumedAndItsChannelGoesOnInANewEpochWithoutALossForLiveSockets()
            throws Exception {
        try (Cluster cluster = Cluster.start(redis, 2, "age:",
                c -> c.withRecovery(RecoverySettings.DEFAULTS.withHistoryAge(Duration.ofSeconds(1))))) {
            URI a = cluster.get(0).uri();
            URI b = cluster.get(1).uri();
            String channel = "age";
            try (BifrostSubscriber stays = optIn(a, List.of(channel), Map.of())) {
                expectSubscribed(stays, channel);
                Map<String, Position> since = seen(b, channel, 3);
                broadcastAll(b, channel, 4, 4);
                List<SubscriberEvent.Message> before = expectMessages(stays, 4);
                assertExactly(numbers(before), 1, 4, "the socket that stays");
                // A bounded wait past the 1 s age: broadcast 4, which `since` missed, is too old to be resumed.
                Thread.sleep(1_500);
                try (BifrostSubscriber resumed = optIn(b, List.of(channel), since)) {
                    assertEquals(new SubscriberEvent.Subscribed(channel, Optional.of(false), OptionalLong.of(0)),
                            expectSubscribed(resumed, channel));
                    expectNothing(resumed, QUIET);
                    broadcastAll(a, channel, 5, 5);
                    SubscriberEvent.Message fresh = expectMessages(resumed, 1).getFirst();
                    assertEquals(5, RecoveryKit.number(fresh));
                    assertTrue(!fresh.id().orElseThrow().epoch().equals(since.get(channel).epoch()),
                            "the history expired with its age: the channel goes on in a new epoch, " + fresh.json());
                    // The socket that stayed missed nothing: the new epoch follows on where the old one ended.
                    List<SubscriberEvent.Message> after = expectMessages(stays, 1);
                    assertEquals(5, RecoveryKit.number(after.getFirst()), "no recovered:false, just the broadcast: "
                            + after.getFirst().json());
                    assertEquals(fresh.id(), after.getFirst().id());
                }
            }
        }
    }

    private static void expectSubscribedUnchecked(BifrostSubscriber s, String channel) {
        try {
            expectSubscribed(s, channel);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    @Test
    void aGapLongerThanTheHistoryIsRecoveredFalseOnTheOtherInstanceAndNothingOfItIsReplayed() throws Exception {
        try (Cluster cluster = Cluster.start(redis, 2, "shorthistory:",
                c -> c.withRecovery(RecoverySettings.DEFAULTS.withHistorySize(10)))) {
            URI a = cluster.get(0).uri();
            URI b = cluster.get(1).uri();

            String channel = "short:20";
            Map<String, Position> since = seen(a, channel, 5);
            broadcastAll(a, channel, 6, 25);
            try (BifrostSubscriber resumed = optIn(b, List.of(channel), since)) {
                SubscriberEvent.Subscribed ack = expectSubscribed(resumed, channel);
                assertEquals(Optional.of(false), ack.recovered(), "20 missed, 10 kept: " + ack);
                assertEquals(OptionalLong.of(0), ack.missed(), ack.toString());
                expectNothing(resumed, QUIET);
                broadcastAll(a, channel, 26, 26);
                SubscriberEvent.Message live = expectMessages(resumed, 1).getFirst();
                assertEquals(26, RecoveryKit.number(live), "live comes next, and nothing of the gap: " + live.json());
            }

            // The edge: a gap exactly as long as the history is recovered whole; one more is not recovered at all.
            String edge = "short:edge";
            Map<String, Position> edgeSince = seen(a, edge, 3);
            broadcastAll(b, edge, 4, 13);
            try (BifrostSubscriber resumed = optIn(b, List.of(edge), edgeSince)) {
                SubscriberEvent.Subscribed ack = expectSubscribed(resumed, edge);
                assertEquals(Optional.of(true), ack.recovered(), "10 missed, 10 kept: " + ack);
                assertEquals(OptionalLong.of(10), ack.missed(), ack.toString());
                assertExactly(numbers(expectMessages(resumed, 10)), 4, 13, "the socket resumed at the edge");
            }
            broadcastAll(a, edge, 14, 14);
            try (BifrostSubscriber resumed = optIn(a, List.of(edge), edgeSince)) {
                SubscriberEvent.Subscribed ack = expectSubscribed(resumed, edge);
                assertEquals(Optional.of(false), ack.recovered(), "11 missed, 10 kept: " + ack);
                assertEquals(OptionalLong.of(0), ack.missed(), ack.toString());
                expectNothing(resumed, QUIET);
            }
        }
    }

    // A socket opted in on the channel sees 1..count; returns its positions once it left.
    private static Map<String, Position> seen(URI base, String channel, int count) throws Exception {
        try (BifrostSubscriber first = optIn(base, List.of(channel), Map.of())) {
            expectSubscribed(first, channel);
            broadcastAll(base, channel, 1, count);
            assertExactly(numbers(expectMessages(first, count)), 1, count, channel + ": the first socket");
            return first.positions();
        }
    }
}
