package io.bifrost.it;

import java.io.EOFException;
import java.io.IOException;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Scenario 7: sockets come and go on three instances (1–3 channels each, shared rooms and per-user channels; some
 * close politely, some vanish, some leave while their subscription is still on its way to Redis) while broadcasts
 * flow. Afterwards nothing is left behind: no socket, no Redis subscription, no per-instance count; and no broadcast
 * was refused meanwhile.
 */
class ChurnIT {
    private static final int INSTANCES = 3;
    private static final int SOCKETS = 1000;
    private static final int ROOMS = 50;
    private static final int THREADS = 24;
    private static final int BROADCASTERS = 2;
    private static final int MAX_BROADCASTS = 20_000;
    private static final Duration BUDGET = Duration.ofSeconds(60);
    private static final Duration SETTLE = Duration.ofSeconds(20);
    private static final Pattern CHURN = Pattern.compile("\\{\"event\":\"churn\",\"data\":\"([^\"#]+)#(\\d+)\"}");

    private static RedisServer redis;

    @BeforeAll
    static void startRedis() {
        redis = RedisServer.start();
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
    }

    /** How a socket leaves. */
    enum Exit {
        /** Reads subscribed, stays a little, sends a close frame and reads up to the server's close. */
        POLITE,
        /** Reads subscribed, stays a little, drops the TCP connection. */
        DROP,
        /** Drops the TCP connection right after sending authenticate: the join may still be on its way. */
        DROP_AFTER_AUTH,
        /** Sends a close frame right after authenticate, then reads up to the server's close. */
        POLITE_AFTER_AUTH,
        /** Connects and drops without ever authenticating. */
        DROP_UNAUTHENTICATED;

        static Exit pick(Random random) {
            int r = random.nextInt(100);
            return r < 40 ? POLITE : r < 75 ? DROP : r < 88 ? DROP_AFTER_AUTH : r < 95 ? POLITE_AFTER_AUTH
                    : DROP_UNAUTHENTICATED;
        }
    }

    @Test
    void socketsComingAndGoingUnderBroadcastsLeaveNothingBehind() throws Exception {
        try (Cluster cluster = Cluster.start(redis, INSTANCES)) {
            long started = System.nanoTime();
            long deadline = started + BUDGET.toNanos();
            ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
            Map<Integer, LongAdder> statuses = new ConcurrentHashMap<>();
            Map<Exit, LongAdder> exits = new ConcurrentHashMap<>();
            Map<Integer, LongAdder> politeCloseCodes = new ConcurrentHashMap<>();
            LongAdder received = new LongAdder();
            AtomicBoolean churning = new AtomicBoolean(true);
            AtomicLong broadcasts = new AtomicLong();

            // Two publishers, each owning half the channels: per channel, one publisher, so its order is checkable.
            List<Thread> broadcasters = new ArrayList<>();
            for (int p = 0; p < BROADCASTERS; p++) {
                int owner = p;
                broadcasters.add(Thread.ofPlatform().name("churn-broadcaster-" + p).start(() -> {
                    Random random = new Random(7 + owner);
                    long seq = 0;
                    while (churning.get() && broadcasts.get() < MAX_BROADCASTS && System.nanoTime() < deadline) {
                        String channel;
                        do {
                            channel = random.nextInt(5) == 0 ? "user:" + random.nextInt(SOCKETS)
                                    : "room:" + random.nextInt(ROOMS);
                        } while (Math.floorMod(channel.hashCode(), BROADCASTERS) != owner);
                        Gateway to = cluster.get(random.nextInt(INSTANCES));
                        try {
                            var reply = broadcast(to, channel, "churn", channel + "#" + seq);
                            statuses.computeIfAbsent(reply.status(), s -> new LongAdder()).increment();
                            if (reply.status() != 200) {
                                problems.add("broadcast " + channel + "#" + seq + " on port " + to.port()
                                        + " answered " + reply.status() + " " + reply.body());
                            }
                        } catch (RuntimeException e) {
                            statuses.computeIfAbsent(-1, s -> new LongAdder()).increment();
                            problems.add("broadcast " + channel + "#" + seq + " failed: " + e);
                        }
                        seq++;
                        broadcasts.incrementAndGet();
                    }
                }));
            }

            ExecutorService pool = Executors.newFixedThreadPool(THREADS);
            try {
                for (int n = 0; n < SOCKETS; n++) {
                    int socket = n;
                    pool.execute(() -> {
                        Random random = new Random(1000L + socket);
                        Exit exit = Exit.pick(random);
                        exits.computeIfAbsent(exit, e -> new LongAdder()).increment();
                        try {
                            runSocket(socket, cluster.get(socket % INSTANCES), exit, random, received,
                                    politeCloseCodes);
                        } catch (IOException | RuntimeException | AssertionError e) {
                            problems.add("socket " + socket + " (" + exit + "): " + e);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    });
                }
                pool.shutdown();
                boolean finished = pool.awaitTermination(Math.max(1, deadline - System.nanoTime()),
                        TimeUnit.NANOSECONDS);
                if (!finished) {
                    fail("the " + SOCKETS + " sockets did not finish within " + BUDGET);
                }
            } finally {
                pool.shutdownNow();
                churning.set(false);
                for (Thread broadcaster : broadcasters) {
                    broadcaster.join(WAIT.toMillis());
                }
            }
            Duration churn = Duration.ofNanos(System.nanoTime() - started);

            System.out.println("ChurnIT: " + SOCKETS + " sockets in " + churn.toMillis() + " ms; exits " + exits
                    + "; broadcasts " + broadcasts.get() + " statuses " + statuses + "; frames received "
                    + received.sum() + "; polite close codes " + politeCloseCodes);

            // Afterwards, bounded: nothing is left on any instance or in Redis. Checked even when churn had problems,
            // so one failure never hides another.
            long settleBy = System.nanoTime() + SETTLE.toNanos();
            String leftover = leftovers(cluster);
            while (leftover != null && System.nanoTime() < settleBy) {
                Thread.sleep(100);
                leftover = leftovers(cluster);
            }
            System.out.println("ChurnIT: " + (leftover == null ? "settled in " + Duration.ofNanos(System.nanoTime()
                    - started).minus(churn).toMillis() + " ms after churn" : "NOT settled: " + leftover)
                    + "; bus subscribed channels per instance " + busProbe(cluster));
            String settled = leftover;
            assertAll(
                    () -> assertTrue(problems.isEmpty(), problems.size() + " problems during churn, first: "
                            + problems.stream().limit(10).toList()),
                    () -> assertTrue(broadcasts.get() > 0, "no broadcast was sent during churn"),
                    () -> assertEquals(Set.of(200), statuses.keySet(), "broadcast statuses during churn: " + statuses),
                    () -> assertNull(settled, "still left " + SETTLE + " after churn: " + settled));
        }
    }

    private static void runSocket(int n, Gateway gateway, Exit exit, Random random, LongAdder received,
                                  Map<Integer, LongAdder> politeCloseCodes) throws IOException, InterruptedException {
        Set<String> channels = new LinkedHashSet<>();
        if (n % 3 == 0) {
            channels.add("user:" + n);
        }
        int wanted = 1 + random.nextInt(3);
        while (channels.size() < wanted) {
            channels.add("room:" + random.nextInt(ROOMS));
        }
        try (WsClient client = WsClient.connect(gateway.uri())) {
            Reader reader = new Reader(client, n, received);
            if (exit == Exit.DROP_UNAUTHENTICATED) {
                Thread.sleep(random.nextInt(20));
                return;
            }
            client.authenticate(tokens().subscribeToken(List.copyOf(channels), Duration.ofMinutes(1)));
            switch (exit) {
                case DROP_AFTER_AUTH -> {
                    // try-with-resources drops the connection: the join may not have reached Redis yet.
                }
                case POLITE_AFTER_AUTH -> {
                    reader.expect(channels);
                    int code = closePolitely(client, reader);
                    politeCloseCodes.computeIfAbsent(code, c -> new LongAdder()).increment();
                    if (code != 1000) {
                        throw new AssertionError("a polite close (1000) was answered with " + code
                                + (code == WsClient.NO_CLOSE_FRAME ? " (the connection ended without a close frame)" : ""));
                    }
                }
                case POLITE, DROP -> {
                    reader.expect(channels);
                    reader.awaitSubscribed();
                    if (random.nextInt(10) == 0) {
                        // Channels add up: authenticate again for one more room.
                        Set<String> more = new LinkedHashSet<>(channels);
                        more.add("room:" + random.nextInt(ROOMS));
                        Set<String> fresh = new HashSet<>(more);
                        fresh.removeAll(channels);
                        client.authenticate(tokens().subscribeToken(List.copyOf(more), Duration.ofMinutes(1)));
                        // Every channel listed is confirmed again, in token order.
                        reader.expect(more);
                        reader.awaitSubscribed();
                    }
                    Thread.sleep(random.nextInt(100));
                    if (exit == Exit.POLITE) {
                        int code = closePolitely(client, reader);
                        politeCloseCodes.computeIfAbsent(code, c -> new LongAdder()).increment();
                        if (code != 1000) {
                            throw new AssertionError("a polite close (1000) was answered with " + code
                                + (code == WsClient.NO_CLOSE_FRAME ? " (the connection ended without a close frame)" : ""));
                        }
                    }
                }
                default -> throw new IllegalStateException(exit.name());
            }
        }
    }

    /** Sends close 1000 and reads (checking every frame) up to the server's close; returns its code. */
    private static int closePolitely(WsClient client, Reader reader) throws IOException {
        reader.closing = true;
        client.sendFrame(0x8, new byte[] {0x03, (byte) 0xE8}, true);
        long until = System.nanoTime() + WAIT.toNanos();
        while (true) {
            long left = (until - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                throw new AssertionError("no close from the server within " + WAIT + " of a polite close");
            }
            WsClient.Frame frame;
            try {
                frame = client.next(Duration.ofMillis(left));
            } catch (EOFException | SocketException e) {
                return WsClient.NO_CLOSE_FRAME;
            }
            if (frame.opcode() == 0x8) {
                byte[] p = frame.payload();
                return p.length >= 2 ? ((p[0] & 0xFF) << 8) | (p[1] & 0xFF) : 1005;
            }
            if (frame.opcode() != 0x1) {
                throw new AssertionError("unexpected " + frame);
            }
            reader.check(new String(frame.payload(), StandardCharsets.UTF_8));
        }
    }

    /**
     * Checks every text frame a socket gets: subscribed only for channels it asked for, in token order; broadcasts
     * only for channels it has been told it joined, and per channel in strictly increasing order (one publisher).
     * Once the client has sent its close, frames still queued for it may be dropped (the server releases the socket
     * at once), so from then on a subscribed or a broadcast may be missing: only which channels and the order per
     * channel are checked.
     */
    private static final class Reader {
        private final WsClient client;
        private final int n;
        private final LongAdder received;
        private final Set<String> asked = new HashSet<>();
        private final List<String> pending = new ArrayList<>();
        private final Set<String> joined = new HashSet<>();
        private final Map<String, Long> last = new HashMap<>();
        private boolean closing;

        Reader(WsClient client, int n, LongAdder received) {
            this.client = client;
            this.n = n;
            this.received = received;
        }

        void expect(Set<String> channels) {
            asked.addAll(channels);
            pending.addAll(channels);
        }

        void awaitSubscribed() throws IOException {
            while (!pending.isEmpty()) {
                check(client.nextText(WAIT));
            }
        }

        void check(String text) {
            received.increment();
            if (!pending.isEmpty() && text.equals(subscribed(pending.getFirst()))) {
                joined.add(pending.removeFirst());
                return;
            }
            if (closing) {
                for (String channel : pending) {
                    if (text.equals(subscribed(channel))) {
                        pending.remove(channel);
                        joined.add(channel);
                        return;
                    }
                }
            }
            Matcher m = CHURN.matcher(text);
            if (!m.matches()) {
                throw new AssertionError("socket " + n + " got " + text + " while waiting for "
                        + (pending.isEmpty() ? "broadcasts" : subscribed(pending.getFirst())));
            }
            String channel = m.group(1);
            long seq = Long.parseLong(m.group(2));
            if (!joined.contains(channel) && !(closing && asked.contains(channel))) {
                throw new AssertionError("socket " + n + " on " + asked + " (joined " + joined + ") got a broadcast"
                        + " for " + channel + ": " + text);
            }
            Long before = last.put(channel, seq);
            if (before != null && before >= seq) {
                throw new AssertionError("socket " + n + " got " + channel + " #" + seq + " after #" + before);
            }
        }
    }

    /** @return what is still left behind, or null when nothing is */
    private static String leftovers(Cluster cluster) {
        List<String> left = new ArrayList<>();
        for (int i = 0; i < cluster.size(); i++) {
            Gateway gateway = cluster.get(i);
            if (gateway.connected() != 0) {
                left.add("instance " + i + " connected " + gateway.connected());
            }
            // A delivery counted and never written or dropped would hold broadcasts back forever once they add up.
            if (gateway.backlog().pending() != 0 || gateway.backlog().stalled() != 0) {
                left.add("instance " + i + " backlog " + gateway.backlog().pending() + " pending, "
                        + gateway.backlog().stalled() + " stalled");
            }
            OptionalInt subscribed = BusProbe.subscribedChannels(gateway);
            if (subscribed.isPresent() && subscribed.getAsInt() != 0) {
                left.add("instance " + i + " bus holds " + subscribed.getAsInt() + " channels");
            }
            // Cluster.start names instance i "it-bifrost:<i>"; its per-channel counts live in this hash, beside the one
            // field that keeps the hash alive while the instance is.
            String counts = redis.command("HLEN", "bifrost:counts:it-bifrost:" + i).strip();
            if (!counts.equals(":1")) {
                left.add("instance " + i + " counts hash has " + counts + " fields (1 expected: the alive mark)");
            }
        }
        // The cluster totals every broadcast reads its count from.
        String totals = redis.command("HLEN", "bifrost:totals").strip();
        if (!totals.equals(":0")) {
            left.add("cluster totals hash has " + totals + " channels");
        }
        String pubsub = redis.command("PUBSUB", "CHANNELS", "bifrost:ch:*");
        if (!BusProbe.isEmptyArray(pubsub)) {
            left.add("Redis subscriptions: " + pubsub.replace("\r\n", " "));
        }
        return left.isEmpty() ? null : String.join("; ", left);
    }

    private static String busProbe(Cluster cluster) {
        List<String> out = new ArrayList<>();
        for (Gateway gateway : cluster.all()) {
            OptionalInt subscribed = BusProbe.subscribedChannels(gateway);
            out.add(subscribed.isPresent() ? String.valueOf(subscribed.getAsInt()) : "n/a");
        }
        return out.toString();
    }
}
