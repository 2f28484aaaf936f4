package io.bifrost.it.recovery;

import java.io.IOException;
import java.net.URI;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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

import static io.bifrost.gateway.testkit.RecoveryKit.describeRange;
import static io.bifrost.gateway.testkit.RecoveryKit.expectSubscribed;
import static io.bifrost.gateway.testkit.TestGateway.WAIT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 10, acceptance: Redis drops one instance's pub/sub connection ({@code CLIENT KILL}) again and again while
 * another instance publishes 1,000 broadcasts. The instance heals its own gaps from history: every socket on it, core
 * sockets included, gets every broadcast answered 200, exactly once, in order.
 */
class PubsubKillHealIT {
    private static final String CHANNEL = "heal";
    private static final int BROADCASTS = 1000;
    private static final int KILL_EVERY = 100;
    private static final Pattern CORE_FRAME = Pattern.compile("^\\{\"event\":\"n\",\"data\":\"(\\d+)\"}$");

    private static RedisServer redis;

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
    void everySocketOnTheInstanceWhosePubsubIsKilledGetsEveryAcceptedBroadcastOnceInOrder() throws Exception {
        // History far longer than any outage of the pub/sub connection here: every gap must be healed.
        try (Cluster cluster = Cluster.start(redis, 2, "heal:",
                     c -> c.withRecovery(RecoverySettings.DEFAULTS.withHistorySize(5000)));
             ClusterKit.Admin admin = new ClusterKit.Admin(redis)) {
            URI a = cluster.get(0).uri();
            URI b = cluster.get(1).uri();
            List<WsClient> cores = new ArrayList<>();
            List<BifrostSubscriber> subscribers = new ArrayList<>();
            try {
                cores.add(TestGateway.subscriber(a, CHANNEL));
                cores.add(TestGateway.subscriber(a, CHANNEL));
                BifrostSubscriber coreSubscriber = RecoveryKit.core(a, List.of(CHANNEL));
                subscribers.add(coreSubscriber);
                assertEquals(Optional.empty(), expectSubscribed(coreSubscriber, CHANNEL).recovered());
                for (int i = 0; i < 2; i++) {
                    BifrostSubscriber optedIn = RecoveryKit.optIn(a, List.of(CHANNEL), Map.of());
                    subscribers.add(optedIn);
                    assertEquals(Optional.of(true), expectSubscribed(optedIn, CHANNEL).recovered());
                }
                // Only the instance holding sockets is subscribed in Redis: killing every pub/sub client kills its.
                assertEquals(1, ClusterKit.pubsubClients(admin).size(), ClusterKit.pubsubClients(admin).toString());

                // Broadcast 0, the channel's first, reaches every socket; nothing was missed, so nothing was healed:
                // the counter below then counts only what the kills made the instance heal.
                RecoveryKit.broadcastAll(b, CHANNEL, 0, 0);
                for (WsClient core : cores) {
                    assertEquals(List.of(0L), readCore(core, 0));
                }
                for (int i = 0; i < subscribers.size(); i++) {
                    assertEquals(List.of(0L), read(subscribers.get(i), i > 0, 0));
                }
                long healedBefore = RecoveryKit.metric(a, "bifrost_relay_healed_total");
                assertEquals(0, healedBefore, "bifrost_relay_healed_total counts broadcasts an instance missed and"
                        + " delivered from history; nothing was missed yet");

                List<Long> accepted = new ArrayList<>();
                Set<Long> refused = new HashSet<>();
                List<String> kills = new ArrayList<>();
                boolean killDue = false;
                for (long n = 1; n <= BROADCASTS; n++) {
                    TestGateway.Reply reply = RecoveryKit.broadcast(b, CHANNEL, Long.toString(n), null);
                    if (reply.status() == 200) {
                        accepted.add(n);
                    } else {
                        refused.add(n);
                    }
                    killDue |= n % KILL_EVERY == KILL_EVERY / 2;
                    if (killDue) {
                        // Kill the instance's pub/sub connection by id, once it is back from the last kill.
                        List<String> clients = ClusterKit.pubsubClients(admin);
                        if (clients.size() == 1) {
                            String id = clients.getFirst().substring(3, clients.getFirst().indexOf(' '));
                            kills.add(n + ":" + admin.call("CLIENT", "KILL", "ID", id));
                            killDue = false;
                        }
                    }
                }
                System.err.println("PubsubKillHealIT: " + accepted.size() + " accepted, " + refused.size()
                        + " refused; kills " + kills);
                assertTrue(kills.size() >= BROADCASTS / KILL_EVERY / 2, "too few kills: " + kills);
                assertTrue(accepted.size() >= BROADCASTS / 2, "the publishing instance refused too many: "
                        + refused.size());
                ClusterKit.awaitReady(a, WAIT);

                long last = accepted.getLast();
                for (int i = 0; i < cores.size(); i++) {
                    assertReceived("core WsClient " + i, readCore(cores.get(i), last), accepted, refused);
                }
                for (int i = 0; i < subscribers.size(); i++) {
                    assertReceived((i == 0 ? "core" : "opted-in") + " BifrostSubscriber " + i,
                            read(subscribers.get(i), i > 0, last), accepted, refused);
                }
                long healed = RecoveryKit.metric(a, "bifrost_relay_healed_total") - healedBefore;
                long lost = RecoveryKit.metric(a, "bifrost_relay_lost_total");
                System.err.println("PubsubKillHealIT: healed " + healed + ", lost " + lost);
                assertTrue(healed > 0, "bifrost_relay_healed_total did not grow: the kills never made the instance"
                        + " heal a gap, so this test did not exercise healing");
                assertEquals(0, lost, "bifrost_relay_lost_total: a gap was not healed although history held it");
            } finally {
                cores.forEach(WsClient::close);
                subscribers.forEach(BifrostSubscriber::close);
            }
        }
    }

    @Test
    void aGapLongerThanTheHistoryLosesOnlyWhatTheHistoryNoLongerHolds() throws Exception {
        // One instance is cut off Redis (a proxy drops its connections and refuses new ones) while the other accepts
        // 40 broadcasts; the history keeps the last 10. When the instance is back, only what the history no longer
        // holds is lost (1..30): it is counted, opted-in sockets are told recovered:false before anything newer, and
        // 31..40, which the history still holds, are delivered in order to every socket, then live ones.
        String prefix = "gap:";
        GatewayConfig base = GatewayConfig.embedded(TestGateway.SECRET)
                .withRecovery(RecoverySettings.DEFAULTS.withHistorySize(10));
        try (LaggingProxy proxy = new LaggingProxy(URI.create(redis.url()), Duration.ZERO);
             Gateway cut = Gateway.start(base.withRedis(RedisSettings.of(proxy.url(), "it-gap-cut").withPrefix(prefix)));
             Gateway other = Gateway.start(base.withRedis(RedisSettings.of(redis.url(), "it-gap-other")
                     .withPrefix(prefix)));
             WsClient core = TestGateway.subscriber(cut.uri(), "gap");
             BifrostSubscriber optedIn = RecoveryKit.optIn(cut.uri(), List.of("gap"), Map.of())) {
            expectSubscribed(optedIn, "gap");
            RecoveryKit.broadcastAll(other.uri(), "gap", 0, 0);
            assertEquals(List.of(0L), readCore(core, 0));
            assertEquals(List.of(0L), read(optedIn, true, 0));
            long lostBefore = RecoveryKit.metric(cut.uri(), "bifrost_relay_lost_total");

            proxy.cutAndHold();
            awaitNotReady(cut.uri());
            RecoveryKit.broadcastAll(other.uri(), "gap", 1, 40);
            proxy.release();
            ClusterKit.awaitReady(cut.uri(), Duration.ofSeconds(20));
            // The re-subscription heals on its own, with no newer broadcast to reveal the gap. Only once it has are
            // 41..45 published: each of them pushes one more of 31..40 out of a 10-long history, so publishing them
            // earlier would race the heal's read (and lose those too, counted, as designed).
            List<Long> coreGot = new ArrayList<>(readCore(core, 40));
            RecoveryKit.broadcastAll(other.uri(), "gap", 41, 45);
            coreGot.addAll(readCore(core, 45));
            List<SubscriberEvent> events = new ArrayList<>();
            List<SubscriberEvent.Message> messages = new ArrayList<>();
            long deadline = System.nanoTime() + WAIT.toNanos();
            while ((messages.isEmpty() || RecoveryKit.number(messages.getLast()) != 45)
                    && System.nanoTime() < deadline) {
                Optional<SubscriberEvent> event = optedIn.next(Duration.ofNanos(Math.max(0,
                        deadline - System.nanoTime())));
                event.ifPresent(events::add);
                if (event.orElse(null) instanceof SubscriberEvent.Message m) {
                    messages.add(m);
                }
            }
            long lost = RecoveryKit.metric(cut.uri(), "bifrost_relay_lost_total") - lostBefore;
            System.err.println("PubsubKillHealIT: gap of 40, history 10: core got " + describeRange(coreGot)
                    + ", opted-in got " + describeRange(RecoveryKit.numbers(messages)) + ", lost " + lost);

            RecoveryKit.assertExactly(coreGot, 31, 45, "the core socket (31..40 were still in the history)");
            assertEquals(new SubscriberEvent.Subscribed("gap", Optional.of(false), OptionalLong.of(0)),
                    events.getFirst(), "recovered:false must come first: " + events);
            RecoveryKit.assertExactly(RecoveryKit.numbers(messages), 31, 45, "the opted-in socket");
            for (int i = 1; i < messages.size(); i++) {
                assertEquals(messages.get(i - 1).id().orElseThrow().next(), messages.get(i).id().orElseThrow(),
                        "consecutive positions: " + messages.get(i).json());
            }
            assertEquals(30, lost, "bifrost_relay_lost_total must count what the history no longer held");
        }
    }

    private static void awaitNotReady(URI base) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            if (TestGateway.get(base, "/health/ready").status() == 503) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError(base + " still ready after its Redis connections were cut");
    }

    // Frames of a core socket until the broadcast numbered `last` arrives (bounded).
    private static List<Long> readCore(WsClient socket, long last) throws IOException {
        List<Long> numbers = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (numbers.isEmpty() || numbers.getLast() != last) {
            long left = (deadline - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                throw new AssertionError("broadcast " + last + " never arrived; got " + describeRange(numbers));
            }
            String frame;
            try {
                frame = socket.nextText(Duration.ofMillis(left));
            } catch (SocketTimeoutException e) {
                throw new AssertionError("broadcast " + last + " never arrived; got " + describeRange(numbers), e);
            }
            Matcher m = CORE_FRAME.matcher(frame);
            assertTrue(m.matches(), "not a core broadcast frame: " + frame + " after " + describeRange(numbers));
            numbers.add(Long.parseLong(m.group(1)));
        }
        return numbers;
    }

    // Messages of a subscriber until the broadcast numbered `last` arrives (bounded); an opted-in one must see
    // consecutive positions and never a recovered:false.
    private static List<Long> read(BifrostSubscriber subscriber, boolean optedIn, long last)
            throws InterruptedException {
        List<Long> numbers = new ArrayList<>();
        Position previous = null;
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (numbers.isEmpty() || numbers.getLast() != last) {
            Optional<SubscriberEvent> event = subscriber.next(Duration.ofNanos(Math.max(0,
                    deadline - System.nanoTime())));
            if (event.isEmpty()) {
                throw new AssertionError("broadcast " + last + " never arrived; got " + describeRange(numbers));
            }
            if (!(event.get() instanceof SubscriberEvent.Message m)) {
                throw new AssertionError("expected only messages, got " + event.get() + " after "
                        + describeRange(numbers));
            }
            numbers.add(RecoveryKit.number(m));
            if (optedIn) {
                Position id = m.id().orElseThrow(() -> new AssertionError("no id on " + m.json()));
                if (previous != null) {
                    assertEquals(previous.next(), id, "positions must be consecutive: " + m.json());
                }
                previous = id;
            }
        }
        return numbers;
    }

    private static void assertReceived(String who, List<Long> received, List<Long> accepted, Set<Long> refused) {
        Set<Long> seen = new HashSet<>();
        for (long n : received) {
            assertTrue(seen.add(n), who + " received " + n + " twice: " + describeRange(received));
        }
        List<Long> acceptedReceived = received.stream().filter(n -> !refused.contains(n)).toList();
        if (!acceptedReceived.equals(accepted)) {
            assertEquals(describeRange(accepted), describeRange(acceptedReceived),
                    who + " lost or reordered broadcasts answered 200");
        }
    }
}
