package io.bifrost.gateway.bus;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Random;
import java.util.Set;
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
import io.bifrost.gateway.testkit.RecoveryKit;
import io.bifrost.gateway.testkit.TestGateway;
import io.bifrost.gateway.testkit.WsClient;
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
import static io.bifrost.gateway.testkit.RecoveryKit.deliveries;
import static io.bifrost.gateway.testkit.RecoveryKit.expectMessages;
import static io.bifrost.gateway.testkit.RecoveryKit.expectNothing;
import static io.bifrost.gateway.testkit.RecoveryKit.expectSubscribed;
import static io.bifrost.gateway.testkit.RecoveryKit.numbers;
import static io.bifrost.gateway.testkit.RecoveryKit.optIn;
import static io.bifrost.gateway.testkit.TestGateway.WAIT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 10's acceptance cases on the in-process bus (one embedded gateway, no Redis): resume after missed broadcasts,
 * also while a publisher keeps sending; a history shorter than the gap; jti; batches. The same rules as in a cluster,
 * kept in memory.
 */
class RecoveryLocalBusIT {
    private static final Duration QUIET = Duration.ofMillis(300);

    private static Gateway gateway;
    private static Gateway bigHistory;
    private static Gateway shortHistory;
    private static Gateway shortAge;
    private static Gateway noHistory;
    private static Gateway strict;

    @BeforeAll
    static void start() {
        GatewayConfig base = GatewayConfig.embedded(TestGateway.SECRET);
        gateway = Gateway.start(base);
        // The busy resume may miss up to 350 broadcasts: all of them within this history.
        bigHistory = Gateway.start(base.withRecovery(RecoverySettings.DEFAULTS.withHistorySize(1000)));
        shortHistory = Gateway.start(base.withRecovery(RecoverySettings.DEFAULTS.withHistorySize(10)));
        noHistory = Gateway.start(base.withRecovery(RecoverySettings.DEFAULTS.withHistorySize(0)));
        shortAge = Gateway.start(base.withRecovery(RecoverySettings.DEFAULTS.withHistoryAge(Duration.ofSeconds(1))));
        strict = Gateway.start(base.withRecovery(RecoverySettings.DEFAULTS.withRequireJti(true)
                .withMaxBatchChannels(5)));
    }

    @AfterAll
    static void stop() {
        for (Gateway g : new Gateway[] {gateway, bigHistory, shortHistory, shortAge, noHistory, strict}) {
            if (g != null) {
                g.close();
            }
        }
    }

    // ---- 1. resume after missing 50 broadcasts ----

    @Test
    void aSocketThatMissed50BroadcastsResumesWithAll50InOrderThenLive() throws Exception {
        String channel = "local-resume";
        Map<String, Position> since;
        try (BifrostSubscriber first = optIn(gateway.uri(), List.of(channel), Map.of())) {
            SubscriberEvent.Subscribed ack = expectSubscribed(first, channel);
            assertEquals(Optional.of(true), ack.recovered(), ack.toString());
            assertEquals(OptionalLong.of(0), ack.missed(), ack.toString());
            broadcastAll(gateway.uri(), channel, 1, 10);
            assertExactly(numbers(expectMessages(first, 10)), 1, 10, "the first socket");
            since = first.positions();
        }
        Position last = since.get(channel);
        assertEquals(10, last.offset(), "positions count from 1: " + since);

        broadcastAll(gateway.uri(), channel, 11, 60);

        try (BifrostSubscriber resumed = optIn(gateway.uri(), List.of(channel), since)) {
            SubscriberEvent.Subscribed ack = expectSubscribed(resumed, channel);
            assertEquals(Optional.of(true), ack.recovered(), ack.toString());
            assertEquals(OptionalLong.of(50), ack.missed(), ack.toString());
            List<SubscriberEvent.Message> missed = expectMessages(resumed, 50);
            assertExactly(numbers(missed), 11, 60, "the resumed socket's missed broadcasts");
            assertPositionsFollow(missed, channel, last);

            broadcastAll(gateway.uri(), channel, 61, 70);
            List<SubscriberEvent.Message> live = expectMessages(resumed, 10);
            assertExactly(numbers(live), 61, 70, "the resumed socket's live broadcasts");
            assertPositionsFollow(live, channel, missed.getLast().id().orElseThrow());
            expectNothing(resumed, QUIET);
        }
    }

    @Test
    void resumingWhileAPublisherKeepsSendingMissesNothingAndDuplicatesNothing() throws Exception {
        ExecutorService publisher = Executors.newSingleThreadExecutor();
        try {
            for (int round = 0; round < 4; round++) {
                resumeDuringPublishing(publisher, "local-busy-" + round, round % 2 == 0);
            }
        } finally {
            publisher.shutdownNow();
        }
    }

    // A socket on the channel sees 1..20, leaves; 21..70 are published; the resume is sent while 71..370 are being
    // published: it must see exactly 21..370, with consecutive positions. The history (1,000) holds the whole gap.
    private static void resumeDuringPublishing(ExecutorService publisher, String channel, boolean anotherSocketStays)
            throws Exception {
        int total = 370;
        try (WsClient bystander = anotherSocketStays ? TestGateway.subscriber(bigHistory, channel) : null) {
            Map<String, Position> since;
            try (BifrostSubscriber first = optIn(bigHistory.uri(), List.of(channel), Map.of())) {
                expectSubscribed(first, channel);
                broadcastAll(bigHistory.uri(), channel, 1, 20);
                assertExactly(numbers(expectMessages(first, 20)), 1, 20, "the first socket");
                since = first.positions();
            }
            broadcastAll(bigHistory.uri(), channel, 21, 70);
            AtomicLong published = new AtomicLong(70);
            CountDownLatch underway = new CountDownLatch(1);
            Future<?> publishing = publisher.submit((Callable<Void>) () -> {
                for (long n = 71; n <= total; n++) {
                    TestGateway.Reply reply = broadcast(bigHistory.uri(), channel, Long.toString(n), null);
                    assertEquals(200, reply.status(), reply.body());
                    published.set(n);
                    if (n == 90) {
                        underway.countDown();
                    }
                }
                return null;
            });
            assertTrue(underway.await(WAIT.toMillis(), TimeUnit.MILLISECONDS), "the publisher did not get going");
            try (BifrostSubscriber resumed = optIn(bigHistory.uri(), List.of(channel), since)) {
                SubscriberEvent.Subscribed ack = expectSubscribed(resumed, channel);
                assertEquals(Optional.of(true), ack.recovered(), channel + ": " + ack);
                long missed = ack.missed().orElseThrow();
                assertTrue(missed >= 50 && missed <= total - 20, channel + ": missed " + missed);
                publishing.get(WAIT.toMillis() * 3, TimeUnit.MILLISECONDS);
                List<SubscriberEvent.Message> all = expectMessages(resumed, total - 20);
                assertExactly(numbers(all), 21, total, channel + " (resumed with missed " + missed + " while "
                        + "the publisher was at " + published.get() + ")");
                assertPositionsFollow(all, channel, since.get(channel));
                expectNothing(resumed, QUIET);
            }
            if (bystander != null) {
                for (int n = 1; n <= total; n++) {
                    assertEquals(frame(n), bystander.nextText(WAIT), channel + ": the core socket that stayed");
                }
            }
        }
    }

    // ---- 4. a history shorter than the gap ----

    @Test
    void aGapLongerThanTheHistoryIsRecoveredFalseAndNothingOfItIsReplayed() throws Exception {
        String channel = "local-short";
        Map<String, Position> since = seen(shortHistory, channel, 5);

        broadcastAll(shortHistory.uri(), channel, 6, 25);
        try (BifrostSubscriber resumed = optIn(shortHistory.uri(), List.of(channel), since)) {
            SubscriberEvent.Subscribed ack = expectSubscribed(resumed, channel);
            assertEquals(Optional.of(false), ack.recovered(), "20 missed, 10 kept: " + ack);
            assertEquals(OptionalLong.of(0), ack.missed(), ack.toString());
            expectNothing(resumed, QUIET);
            broadcastAll(shortHistory.uri(), channel, 26, 26);
            List<SubscriberEvent.Message> live = expectMessages(resumed, 1);
            assertEquals(26, RecoveryKit.number(live.getFirst()), "live, and nothing of the gap before it");
        }
    }

    @Test
    void aGapExactlyAsLongAsTheHistoryIsRecoveredAndOneMoreIsNot() throws Exception {
        String channel = "local-edge";
        Map<String, Position> since = seen(shortHistory, channel, 3);
        broadcastAll(shortHistory.uri(), channel, 4, 13);
        try (BifrostSubscriber resumed = optIn(shortHistory.uri(), List.of(channel), since)) {
            SubscriberEvent.Subscribed ack = expectSubscribed(resumed, channel);
            assertEquals(Optional.of(true), ack.recovered(), "10 missed, 10 kept: " + ack);
            assertEquals(OptionalLong.of(10), ack.missed(), ack.toString());
            assertExactly(numbers(expectMessages(resumed, 10)), 4, 13, "the resumed socket");
        }
        broadcastAll(shortHistory.uri(), channel, 14, 14);
        try (BifrostSubscriber resumed = optIn(shortHistory.uri(), List.of(channel), since)) {
            SubscriberEvent.Subscribed ack = expectSubscribed(resumed, channel);
            assertEquals(Optional.of(false), ack.recovered(), "11 missed, 10 kept: " + ack);
            expectNothing(resumed, QUIET);
        }
    }

    @Test
    void broadcastsOlderThanTheHistoryAgeAreNotReplayed() throws Exception {
        String channel = "local-old";
        Map<String, Position> since = seen(shortAge, channel, 2);
        broadcastAll(shortAge.uri(), channel, 3, 5);
        // A bounded wait past the 1 s age: the three are now too old to be resumed.
        Thread.sleep(1_500);
        try (BifrostSubscriber resumed = optIn(shortAge.uri(), List.of(channel), since)) {
            SubscriberEvent.Subscribed ack = expectSubscribed(resumed, channel);
            assertEquals(Optional.of(false), ack.recovered(), "missed broadcasts past the age: " + ack);
            expectNothing(resumed, QUIET);
        }
    }

    @Test
    void withHistoryOffAMissedBroadcastIsNeverReplayed() throws Exception {
        String channel = "local-off";
        Map<String, Position> since = seen(noHistory, channel, 2);
        broadcastAll(noHistory.uri(), channel, 3, 3);
        try (BifrostSubscriber resumed = optIn(noHistory.uri(), List.of(channel), since)) {
            SubscriberEvent.Subscribed ack = expectSubscribed(resumed, channel);
            assertEquals(Optional.of(false), ack.recovered(), "BIFROST_HISTORY_SIZE=0 keeps nothing: " + ack);
            assertEquals(OptionalLong.of(0), ack.missed(), ack.toString());
            expectNothing(resumed, QUIET);
            broadcastAll(noHistory.uri(), channel, 4, 4);
            SubscriberEvent.Message live = expectMessages(resumed, 1).getFirst();
            assertEquals(4, RecoveryKit.number(live));
            assertEquals(new Position(since.get(channel).epoch(), 4), live.id().orElseThrow(),
                    "positions go on without history");
        }
    }

    @Test
    void positionsThatCannotBeResumedAreRecoveredFalseNeverAnErrorNorAReplay() throws Exception {
        String channel = "local-odd";
        Position last = seen(gateway, channel, 4).get(channel);
        List<Object> odd = List.of(new Position(last.epoch(), 5).toString(), // ahead of the channel
                new Position(last.epoch().equals("zz") ? "yy" : "zz", 2).toString(), // another epoch
                "not-a-position", "", 42, true);
        for (Object position : odd) {
            try (WsClient socket = WsClient.connect(gateway.uri())) {
                socket.sendText("{\"event\":\"authenticate\",\"data\":\""
                        + RecoveryKit.subscribeToken(List.of(channel)) + "\",\"since\":{\"" + channel + "\":"
                        + (position instanceof String s ? "\"" + s + "\"" : position) + "}}");
                assertEquals("{\"event\":\"subscribed\",\"data\":\"{\\\"channel\\\":\\\"" + channel
                        + "\\\",\\\"recovered\\\":false,\\\"missed\\\":0}\"}", socket.nextText(WAIT),
                        "since " + position);
                broadcastAll(gateway.uri(), channel, 100, 100);
                String next = socket.nextText(WAIT);
                assertTrue(next.startsWith("{\"event\":\"n\",\"data\":\"100\",\"channel\":\"" + channel + "\",\"id\":"),
                        "since " + position + ": the next frame must be the live broadcast, got " + next);
            }
        }
    }

    @Test
    void aSinceThatIsNotAnObjectOrNamesTooManyChannelsIsAnErrorAndTheSocketStays() throws Exception {
        String channel = "local-bad-since";
        String token = RecoveryKit.subscribeToken(List.of(channel));
        StringBuilder many = new StringBuilder("{");
        for (int i = 0; i <= 1000; i++) {
            many.append(i == 0 ? "" : ",").append("\"c").append(i).append("\":\"a:1\"");
        }
        many.append('}');
        for (String since : List.of("[]", "\"a:1\"", "null", many.toString())) {
            try (WsClient socket = WsClient.connect(gateway.uri())) {
                socket.sendText("{\"event\":\"authenticate\",\"data\":\"" + token + "\",\"since\":" + since + "}");
                String answer = socket.nextText(WAIT);
                assertTrue(answer.startsWith("{\"event\":\"error\""), "since " + abbreviate(since) + ": " + answer);
                // Not processed: nothing joined. The socket stays and can authenticate as it should.
                socket.sendText("{\"event\":\"authenticate\",\"data\":\"" + token + "\",\"since\":{}}");
                assertEquals("{\"event\":\"subscribed\",\"data\":\"{\\\"channel\\\":\\\"" + channel
                        + "\\\",\\\"recovered\\\":true,\\\"missed\\\":0}\"}", socket.nextText(WAIT),
                        "since " + abbreviate(since));
            }
        }
    }

    private static String abbreviate(String text) {
        return text.length() > 40 ? text.substring(0, 40) + "..." : text;
    }

    @Test
    void aMessageWithItsOwnChannelAndIdKeysStillTellsAnOptedInSocketItsChannelAndPosition() throws Exception {
        String channel = "local-own-keys";
        try (BifrostSubscriber socket = optIn(gateway.uri(), List.of(channel), Map.of());
             WsClient core = TestGateway.subscriber(gateway, channel)) {
            expectSubscribed(socket, channel);
            Map<String, Object> message = new java.util.LinkedHashMap<>();
            message.put("event", "n");
            message.put("data", "1");
            message.put("id", 7);
            message.put("channel", "elsewhere");
            Map<String, Object> claims = new java.util.LinkedHashMap<>();
            claims.put("channel", channel);
            claims.put("message", message);
            TestGateway.Reply reply = RecoveryKit.post(gateway.uri(), TestGateway.tokens().mint(claims,
                    io.bifrost.protocol.HmacAlgorithm.HS512));
            assertEquals(200, reply.status(), reply.body());
            SubscriberEvent.Message got = expectMessages(socket, 1).getFirst();
            assertEquals(Optional.of(channel), got.channel(), got.json());
            assertEquals(1, got.id().orElseThrow().offset(), got.json());
            assertEquals(Map.of(channel, got.id().orElseThrow()), socket.positions());
            assertEquals("{\"event\":\"n\",\"data\":\"1\",\"id\":7,\"channel\":\"elsewhere\"}", core.nextText(WAIT),
                    "a core socket gets the message exactly as the backend sent it");
        }
    }

    // ---- 5. jti ----

    @Test
    void theSameJtiPostedTwiceIsDeliveredOnceAndTheSecondAnswerSaysDuplicate() throws Exception {
        String channel = "local-jti";
        try (WsClient socket = TestGateway.subscriber(gateway, channel)) {
            String token = RecoveryKit.broadcastToken(List.of(channel), false, "1", "jti-local-once");
            TestGateway.Reply first = RecoveryKit.post(gateway.uri(), token);
            assertEquals(200, first.status(), first.body());
            assertEquals("{\"message\":\"Success\",\"deliveries\":1}", first.body());
            TestGateway.Reply second = RecoveryKit.post(gateway.uri(), token);
            assertEquals(200, second.status(), second.body());
            assertEquals("{\"message\":\"Success\",\"deliveries\":0,\"duplicate\":true}", second.body());
            // Another token with the same jti (another message even): still the same broadcast, already taken.
            TestGateway.Reply third = broadcast(gateway.uri(), channel, "3", "jti-local-once");
            assertEquals("{\"message\":\"Success\",\"deliveries\":0,\"duplicate\":true}", third.body());
            broadcastAll(gateway.uri(), channel, 2, 2);
            assertEquals(frame(1), socket.nextText(WAIT));
            assertEquals(frame(2), socket.nextText(WAIT), "the duplicates were delivered");
        }
    }

    @Test
    void theSameJtiPostedTwiceAtOnceIsDeliveredOnceEachRound() throws Exception {
        String channel = "local-jti-race";
        int rounds = 150;
        ExecutorService posters = Executors.newFixedThreadPool(2);
        try (WsClient socket = TestGateway.subscriber(gateway, channel)) {
            for (int round = 1; round <= rounds; round++) {
                String token = RecoveryKit.broadcastToken(List.of(channel), false, Integer.toString(round),
                        "race-" + round);
                CountDownLatch go = new CountDownLatch(1);
                Callable<TestGateway.Reply> post = () -> {
                    go.await();
                    return RecoveryKit.post(gateway.uri(), token);
                };
                Future<TestGateway.Reply> a = posters.submit(post);
                Future<TestGateway.Reply> b = posters.submit(post);
                go.countDown();
                List<String> bodies = List.of(a.get(WAIT.toMillis(), TimeUnit.MILLISECONDS).body(),
                        b.get(WAIT.toMillis(), TimeUnit.MILLISECONDS).body());
                assertEquals(1, Collections.frequency(bodies, "{\"message\":\"Success\",\"deliveries\":1}"),
                        "round " + round + ": " + bodies);
                assertEquals(1, Collections.frequency(bodies,
                        "{\"message\":\"Success\",\"deliveries\":0,\"duplicate\":true}"), "round " + round + ": " + bodies);
            }
            broadcastAll(gateway.uri(), channel, rounds + 1, rounds + 1);
            for (int n = 1; n <= rounds + 1; n++) {
                assertEquals(frame(n), socket.nextText(WAIT), "delivered once per round, in order");
            }
        } finally {
            posters.shutdownNow();
        }
    }

    @Test
    void aRefusedBroadcastDoesNotUseItsJtiUp() throws Exception {
        String channel = "local-jti-refused";
        try (WsClient socket = TestGateway.subscriber(strict, channel)) {
            // Refused as a whole (6 channels, at most 5 here): its jti stays free.
            TestGateway.Reply tooMany = RecoveryKit.batch(strict.uri(),
                    List.of(channel, "x1", "x2", "x3", "x4", "x5"), "0", "refused-then-fine");
            assertEquals(400, tooMany.status(), tooMany.body());
            TestGateway.Reply noJti = broadcast(strict.uri(), channel, "0", null);
            assertEquals(400, noJti.status(), noJti.body());
            assertTrue(noJti.body().contains("jti"), noJti.body());
            TestGateway.Reply fine = broadcast(strict.uri(), channel, "1", "refused-then-fine");
            assertEquals("{\"message\":\"Success\",\"deliveries\":1}", fine.body());
            assertEquals(frame(1), socket.nextText(WAIT), "the 400s delivered something");
        }
    }

    // ---- 6. batches ----

    @Test
    void aBatchTo100ChannelsReachesEverySocketOncePerChannelItHoldsAndDeliveriesIsTheSum() throws Exception {
        List<String> channels = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            channels.add("local-batch-" + i);
        }
        Random random = new Random(10);
        List<WsClient> sockets = new ArrayList<>();
        List<Set<String>> held = new ArrayList<>();
        try {
            for (int s = 0; s < 6; s++) {
                List<String> mine = new ArrayList<>(channels);
                Collections.shuffle(mine, random);
                mine = s == 0 ? channels : mine.subList(0, 1 + random.nextInt(60));
                sockets.add(TestGateway.subscriber(gateway, mine.toArray(String[]::new)));
                held.add(new HashSet<>(mine));
            }
            try (BifrostSubscriber optedIn = optIn(gateway.uri(), channels, Map.of())) {
                for (String channel : channels) {
                    expectSubscribed(optedIn, channel);
                }
                long expected = 1 + held.stream().mapToLong(Set::size).sum();

                TestGateway.Reply invalid = RecoveryKit.batch(gateway.uri(), List.of(channels.get(0), ""),
                        "refused", null);
                assertEquals(400, invalid.status(), invalid.body());
                TestGateway.Reply duplicateName = RecoveryKit.batch(gateway.uri(),
                        List.of(channels.get(0), channels.get(0)), "refused", null);
                assertEquals(400, duplicateName.status(), duplicateName.body());

                TestGateway.Reply batch = RecoveryKit.batch(gateway.uri(), channels, "1", "batch-local-1");
                assertEquals(200, batch.status(), batch.body());
                assertEquals(expected - 1 + 100, deliveries(batch), "deliveries must be the sum over the channels");
                TestGateway.Reply again = RecoveryKit.batch(gateway.uri(), channels, "1", "batch-local-1");
                assertEquals("{\"message\":\"Success\",\"deliveries\":0,\"duplicate\":true}", again.body());

                for (int s = 0; s < sockets.size(); s++) {
                    WsClient socket = sockets.get(s);
                    for (int k = 0; k < held.get(s).size(); k++) {
                        assertEquals(frame(1), socket.nextText(WAIT), "socket " + s + ", frame " + k + " of "
                                + held.get(s).size());
                    }
                }
                Set<String> seen = new HashSet<>();
                for (SubscriberEvent.Message m : expectMessages(optedIn, 100)) {
                    assertEquals(1, RecoveryKit.number(m), m.json());
                    assertTrue(seen.add(m.channel().orElseThrow()), "twice on one channel: " + m.json());
                    assertEquals(1, m.id().orElseThrow().offset(), "each channel's first broadcast: " + m.json());
                }
                assertEquals(new HashSet<>(channels), seen);
                // Nothing else follows anywhere: a single broadcast to every channel comes next on every socket.
                TestGateway.Reply marker = RecoveryKit.batch(gateway.uri(), channels, "2", null);
                assertEquals(200, marker.status(), marker.body());
                for (int s = 0; s < sockets.size(); s++) {
                    assertEquals(frame(2), sockets.get(s).nextText(WAIT), "socket " + s
                            + " got more than one frame per channel of the batch");
                }
                SubscriberEvent.Message next = expectMessages(optedIn, 1).getFirst();
                assertEquals(2, RecoveryKit.number(next), next.json());
            }
        } finally {
            sockets.forEach(WsClient::close);
        }
    }

    // A socket opted in on the channel sees 1..count; returns its positions after it left.
    private static Map<String, Position> seen(Gateway g, String channel, int count) throws Exception {
        try (BifrostSubscriber first = optIn(g.uri(), List.of(channel), Map.of())) {
            expectSubscribed(first, channel);
            broadcastAll(g.uri(), channel, 1, count);
            assertExactly(numbers(expectMessages(first, count)), 1, count, "the first socket");
            return first.positions();
        }
    }

    private static String frame(long n) {
        return "{\"event\":\"n\",\"data\":\"" + n + "\"}";
    }
}
