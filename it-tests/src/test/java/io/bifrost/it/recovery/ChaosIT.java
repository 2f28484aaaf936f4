package io.bifrost.it.recovery;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.bifrost.gateway.Gateway;
import io.bifrost.gateway.config.RecoverySettings;
import io.bifrost.gateway.testkit.RecoveryKit;
import io.bifrost.gateway.testkit.TestGateway;
import io.bifrost.it.Cluster;
import io.bifrost.it.GatewayProcesses;
import io.bifrost.it.redis.RedisServer;
import io.bifrost.protocol.BifrostSubscriber;
import io.bifrost.protocol.Position;
import io.bifrost.protocol.SubscriberEvent;
import org.junit.jupiter.api.Test;

import static io.bifrost.gateway.testkit.RecoveryKit.describeRange;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Issue 10, acceptance: a chaos run. Three instances (two in this JVM, one a separate process) on one Redis; a ledger
 * publisher per channel posts numbered broadcasts, each with its own jti, to random live instances and records which
 * were answered 200; opted-in subscribers on random instances resume on another live instance whenever they lose
 * theirs. Meanwhile, at random moments: Redis is restarted empty, frozen (paused) for up to 2.5 s, its pub/sub clients
 * are killed, an in-JVM instance is closed and replaced, the process instance is SIGKILLed and started again.
 *
 * <p>At the end, for every subscriber and channel: no broadcast twice, broadcasts answered 200 in the order they were
 * answered, positions consecutive within an epoch, and every broadcast answered 200 delivered, except across a point
 * where the channel was reported {@code recovered:false} (only order and no-duplicates are checked across it).
 *
 * <p>About 25 s of faults (40 s in all) by default; {@code -Dbifrost.chaos.seconds=600} for a long run, {@code -Dbifrost.chaos.seed=...} to
 * replay a schedule (the seed is printed). Fault timing and targets come from the seed; thread timing does not.
 */
class ChaosIT {
    private static final long SECONDS = Long.getLong("bifrost.chaos.seconds", 25);
    private static final long SEED = Long.getLong("bifrost.chaos.seed", System.nanoTime());
    private static final List<String> CHANNELS = List.of("chaos:0", "chaos:1", "chaos:2");
    private static final int RIDERS = 6;
    private static final int HISTORY = 500;
    private static final String PREFIX = "chaos:";
    private static final Duration PACE = Duration.ofMillis(15);
    private static final Duration SETTLE = Duration.ofSeconds(45);

    private enum Fault { REDIS_RESTART, REDIS_FREEZE, PUBSUB_KILL, INSTANCE_CLOSE, PROCESS_KILL }

    private final long start = System.nanoTime();
    private final List<String> faultLog = new CopyOnWriteArrayList<>();
    private final Map<Fault, AtomicLong> faults = new ConcurrentHashMap<>();
    private final List<Long> processHealed = new CopyOnWriteArrayList<>();
    private volatile List<URI> live = List.of();
    private volatile boolean stopping;

    @Test
    void underRandomFaultsEveryBroadcastAnswered200ReachesEveryOptedInSocketOnceInOrderOrItsChannelWasReset()
            throws Exception {
        System.err.println("ChaosIT: seed " + SEED + " (-Dbifrost.chaos.seed=" + SEED + "), " + SECONDS + " s of faults");
        Random random = new Random(SEED);
        Path dir = Files.createTempDirectory("bifrost-chaos");
        Map<String, String> env = Map.of("JWT_SECRET", TestGateway.SECRET, "BIFROST_ENV", "production",
                "BIFROST_HOST", "127.0.0.1", "BIFROST_REDIS_PREFIX", PREFIX,
                "BIFROST_HISTORY_SIZE", Integer.toString(HISTORY));
        try (RedisServer redis = RedisServer.start();
             Cluster cluster = Cluster.start(redis, 2, PREFIX,
                     c -> c.withRecovery(RecoverySettings.DEFAULTS.withHistorySize(HISTORY)))) {
            ProcessSlot process = new ProcessSlot(redis.url(), env, dir);
            process.startNow();
            List<Ledger> ledgers = CHANNELS.stream().map(Ledger::new).toList();
            List<Rider> riders = new ArrayList<>();
            try {
                refreshLive(cluster, process);
                for (int i = 0; i < RIDERS; i++) {
                    List<String> channels = i % 2 == 0 ? CHANNELS : List.of(CHANNELS.get(i % 3), CHANNELS.get((i + 1) % 3));
                    Rider rider = new Rider(i, channels, live.get(i % live.size()));
                    riders.add(rider);
                }
                riders.forEach(Rider::startDriving);
                awaitSettled(riders, Duration.ofSeconds(20));
                // Number 0 on every channel, received by everyone: every rider has a position on each of its channels
                // before anything can go wrong (a channel never received on has no position to resume from).
                for (Ledger ledger : ledgers) {
                    ledger.publishUntilAccepted(0);
                }
                for (Rider rider : riders) {
                    for (String channel : rider.channels) {
                        rider.awaitNumber(channel, 0, Duration.ofSeconds(20));
                    }
                }

                List<Thread> publishers = ledgers.stream()
                        .map(ledger -> Thread.ofPlatform().name("ledger-" + ledger.channel).start(ledger::run))
                        .toList();
                long chaosEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(SECONDS);
                runFaults(random, redis, cluster, process, riders, chaosEnd);

                // Everything back: Redis running, every instance in place and ready.
                process.awaitStarted();
                refreshLive(cluster, process);
                for (URI base : live) {
                    ClusterKit.awaitReady(base, Duration.ofSeconds(30));
                }
                stopping = true;
                for (Thread publisher : publishers) {
                    publisher.join(Duration.ofSeconds(30).toMillis());
                    assertTrue(!publisher.isAlive(), publisher.getName() + " did not stop");
                }
                awaitSettled(riders, SETTLE);
                // A last broadcast per channel, once everyone is connected and subscribed: it must reach everyone.
                Map<String, Long> sentinels = new HashMap<>();
                for (Ledger ledger : ledgers) {
                    long sentinel = ledger.next();
                    ledger.publishUntilAccepted(sentinel);
                    sentinels.put(ledger.channel, sentinel);
                }
                for (Rider rider : riders) {
                    for (String channel : rider.channels) {
                        rider.awaitNumber(channel, sentinels.get(channel), SETTLE);
                    }
                }
                riders.forEach(Rider::stop);

                report(cluster, process, ledgers, riders);
                List<String> problems = new ArrayList<>();
                for (Rider rider : riders) {
                    problems.addAll(rider.problems);
                    for (String channel : rider.channels) {
                        Ledger ledger = ledgers.get(CHANNELS.indexOf(channel));
                        problems.addAll(check("rider " + rider.id + " " + channel, rider.tape(channel), ledger,
                                sentinels.get(channel)));
                    }
                }
                ledgers.forEach(ledger -> problems.addAll(ledger.problems));
                assertTrue(problems.isEmpty(), "seed " + SEED + ": " + problems.size() + " problem(s):\n"
                        + String.join("\n", problems.subList(0, Math.min(40, problems.size())))
                        + "\nfaults: " + faultLog);
                // The run must have exercised what it claims.
                long resumed = riders.stream().mapToLong(r -> r.resumedRecovered.get()).sum();
                assertTrue(resumed > 0, "no subscriber ever resumed a channel with recovered:true on another"
                        + " connection; faults " + faultLog);
                for (Fault fault : Fault.values()) {
                    assertTrue(faults.getOrDefault(fault, new AtomicLong()).get() > 0,
                            fault + " never happened; faults " + faultLog);
                }
            } finally {
                stopping = true;
                riders.forEach(Rider::stop);
                process.close();
            }
        }
    }

    // ---- faults ----

    private void runFaults(Random random, RedisServer redis, Cluster cluster, ProcessSlot process, List<Rider> riders,
                           long end) throws Exception {
        List<Fault> cycle = new ArrayList<>(List.of(Fault.values()));
        Collections.shuffle(cycle, random);
        int cycles = 1;
        // At least one whole cycle, so that every kind of fault happens in every run, however slow the machine.
        while (System.nanoTime() < end || (cycles == 1 && !cycle.isEmpty())) {
            if (cycle.isEmpty()) {
                cycle.addAll(List.of(Fault.values()));
                Collections.shuffle(cycle, random);
                cycles++;
            }
            Thread.sleep(500 + random.nextInt(2000));
            Fault fault = cycle.removeFirst();
            long t0 = System.nanoTime();
            String detail = switch (fault) {
                case REDIS_RESTART -> {
                    redis.stop();
                    int down = 100 + random.nextInt(900);
                    Thread.sleep(down);
                    redis.restart();
                    yield "down " + down + " ms";
                }
                case REDIS_FREEZE -> {
                    int frozen = 200 + random.nextInt(2300);
                    redis.pause();
                    try {
                        Thread.sleep(frozen);
                    } finally {
                        redis.unpause();
                    }
                    yield "frozen " + frozen + " ms";
                }
                case PUBSUB_KILL -> {
                    try (ClusterKit.Admin admin = new ClusterKit.Admin(redis)) {
                        yield "killed " + admin.call("CLIENT", "KILL", "TYPE", "pubsub");
                    } catch (IOException e) {
                        yield "could not: " + e;
                    }
                }
                case INSTANCE_CLOSE -> {
                    // The in-JVM instance with the most subscribers on it (ties: the seed decides), so that every
                    // close makes subscribers resume elsewhere.
                    int i = random.nextInt(cluster.size());
                    long most = -1;
                    for (int k = 0; k < cluster.size(); k++) {
                        URI candidate = cluster.get(k).uri();
                        long on = riders.stream().filter(r -> candidate.equals(r.at)).count();
                        if (on > most) {
                            most = on;
                            i = k;
                        }
                    }
                    URI old = cluster.get(i).uri();
                    live = live.stream().filter(u -> !u.equals(old)).toList();
                    Gateway fresh = replace(cluster, i);
                    refreshLive(cluster, process);
                    yield "closed " + old.getPort() + ", replaced by " + fresh.uri().getPort();
                }
                case PROCESS_KILL -> {
                    if (!process.running()) {
                        yield "skipped: the process is still starting";
                    }
                    URI old = process.uri();
                    live = live.stream().filter(u -> !u.equals(old)).toList();
                    processHealed.add(process.healed());
                    process.kill();
                    // Started again in the background (a JVM takes seconds); it joins the live set when ready.
                    process.startLater(() -> refreshLive(cluster, process));
                    yield "SIGKILLed " + old.getPort();
                }
            };
            if (!detail.startsWith("skipped")) {
                faults.computeIfAbsent(fault, f -> new AtomicLong()).incrementAndGet();
            }
            faultLog.add(String.format("%.1fs %s %s (%d ms)", (t0 - start) / 1e9, fault, detail,
                    (System.nanoTime() - t0) / 1_000_000));
        }
    }

    // Gateway.start needs Redis at once; right after a restart it may still be loading: a few tries.
    private static Gateway replace(Cluster cluster, int i) throws InterruptedException {
        RuntimeException failure = null;
        for (int attempt = 0; attempt < 20; attempt++) {
            try {
                return cluster.replace(i);
            } catch (RuntimeException e) {
                failure = e;
                Thread.sleep(250);
            }
        }
        throw failure;
    }

    private synchronized void refreshLive(Cluster cluster, ProcessSlot process) {
        List<URI> uris = new ArrayList<>(cluster.all().stream().map(Gateway::uri).toList());
        if (process.running()) {
            uris.add(process.uri());
        }
        live = List.copyOf(uris);
    }

    private URI randomLive() {
        List<URI> now = live;
        return now.isEmpty() ? null : now.get(ThreadLocalRandom.current().nextInt(now.size()));
    }

    private void awaitSettled(List<Rider> riders, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (riders.stream().allMatch(Rider::settled)) {
                return;
            }
            Thread.sleep(50);
        }
        List<String> unsettled = riders.stream().filter(r -> !r.settled()).map(r -> r.id + "@" + r.at).toList();
        fail("riders not connected and subscribed within " + timeout + ": " + unsettled + "; faults " + faultLog);
    }

    // ---- the ledger publisher ----

    /** One channel's numbered broadcasts, and what became of each. */
    private final class Ledger implements Runnable {
        final String channel;
        final Set<Long> accepted = ConcurrentHashMap.newKeySet();
        final Set<Long> refused = ConcurrentHashMap.newKeySet();
        final Set<Long> unknown = ConcurrentHashMap.newKeySet();
        final AtomicLong duplicates = new AtomicLong();
        final AtomicLong retries = new AtomicLong();
        final List<String> problems = new CopyOnWriteArrayList<>();
        private long number;

        Ledger(String channel) {
            this.channel = channel;
        }

        synchronized long next() {
            return ++number;
        }

        @Override
        public void run() {
            while (!stopping) {
                publish(next());
                try {
                    Thread.sleep(PACE.toMillis());
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        // One broadcast, BifrostClient-like: its own jti kept across attempts; a failure to connect or a timeout
        // (fate unknown) is retried on another live instance; a 503 is final (not delivered, or delivered once).
        boolean publish(long n) {
            String token = RecoveryKit.broadcastToken(List.of(channel), false, Long.toString(n), channel + "#" + n
                    + "#" + SEED);
            for (int attempt = 1; attempt <= 4; attempt++) {
                URI base = randomLive();
                if (base == null) {
                    sleep(100);
                    continue;
                }
                TestGateway.Reply reply;
                try {
                    reply = RecoveryKit.post(base, token);
                } catch (UncheckedIOException e) {
                    retries.incrementAndGet();
                    continue;
                }
                if (reply.status() == 200) {
                    if (reply.body().contains("\"duplicate\":true")) {
                        duplicates.incrementAndGet();
                    }
                    accepted.add(n);
                    unknown.remove(n);
                    return true;
                }
                if (reply.status() == 503) {
                    refused.add(n);
                    return false;
                }
                problems.add(channel + " #" + n + ": " + reply.status() + " " + reply.body());
                return false;
            }
            unknown.add(n);
            return false;
        }

        void publishUntilAccepted(long n) {
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() < deadline) {
                if (publish(n)) {
                    refused.remove(n);
                    unknown.remove(n);
                    return;
                }
                sleep(200);
            }
            fail(channel + ": broadcast " + n + " never accepted; faults " + faultLog);
        }
    }

    // ---- the subscribers ----

    private sealed interface Entry permits Received, Reset, Resumed {
    }

    private record Received(long number, Position id) implements Entry {
    }

    private record Reset(String why) implements Entry {
    }

    private record Resumed(long missed) implements Entry {
    }

    /** An opted-in subscriber that resumes on a random live instance whenever it loses its connection. */
    private final class Rider {
        final int id;
        final List<String> channels;
        final Map<String, List<Entry>> tapes = new ConcurrentHashMap<>();
        final Map<String, Long> lastNumber = new ConcurrentHashMap<>();
        final List<String> problems = new CopyOnWriteArrayList<>();
        final AtomicLong resumedRecovered = new AtomicLong();
        final AtomicLong resumedWithMissed = new AtomicLong();
        final AtomicLong notRecovered = new AtomicLong();
        final AtomicLong reconnects = new AtomicLong();
        final AtomicLong received = new AtomicLong();
        private final Set<String> awaitingAck = ConcurrentHashMap.newKeySet();
        private volatile BifrostSubscriber current;
        private volatile URI at;
        private volatile boolean stopped;
        private Thread driver;
        private Map<String, Position> positions = new LinkedHashMap<>();

        Rider(int id, List<String> channels, URI first) {
            this.id = id;
            this.channels = channels;
            this.at = first;
            channels.forEach(c -> tapes.put(c, new CopyOnWriteArrayList<>()));
        }

        List<Entry> tape(String channel) {
            return tapes.get(channel);
        }

        void startDriving() {
            driver = Thread.ofVirtual().name("rider-" + id).start(this::drive);
        }

        boolean settled() {
            BifrostSubscriber s = current;
            return s != null && s.isOpen() && awaitingAck.isEmpty();
        }

        void awaitNumber(String channel, long n, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                if (lastNumber.getOrDefault(channel, -1L) >= n) {
                    return;
                }
                Thread.sleep(20);
            }
            fail("rider " + id + " never received " + n + " on " + channel + " within " + timeout + "; last "
                    + lastNumber + ", at " + at + ", settled " + settled() + "; faults " + faultLog);
        }

        void stop() {
            stopped = true;
            if (driver != null) {
                try {
                    driver.join(Duration.ofSeconds(10).toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            BifrostSubscriber s = current;
            if (s != null) {
                s.close();
            }
        }

        private void drive() {
            try {
                if (!connect(at)) {
                    reconnect();
                }
                while (!stopped) {
                    BifrostSubscriber s = current;
                    if (s == null) {
                        reconnect();
                        continue;
                    }
                    Optional<SubscriberEvent> next = s.next(Duration.ofMillis(100));
                    if (next.isPresent()) {
                        if (handle(next.get())) {
                            reconnect();
                        }
                    } else if (!s.isOpen()) {
                        // Ended: take what came between the wait and the end (its positions count), then move on.
                        for (Optional<SubscriberEvent> e = s.next(Duration.ZERO); e.isPresent(); e = s.next(Duration.ZERO)) {
                            handle(e.get());
                        }
                        reconnect();
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                problems.add("rider " + id + " failed: " + e);
            }
        }

        // Records one event; true when the connection ended.
        private boolean handle(SubscriberEvent event) {
            switch (event) {
                case SubscriberEvent.Message m -> message(m);
                case SubscriberEvent.Subscribed ack -> ack(ack);
                case SubscriberEvent.Closed closed -> {
                    return true;
                }
                case SubscriberEvent.Error error -> problems.add("rider " + id + " got an error: " + error);
                case SubscriberEvent.Pong pong -> {
                }
            }
            return false;
        }

        private void message(SubscriberEvent.Message m) {
            Optional<String> channel = m.channel();
            if (channel.isEmpty() || !tapes.containsKey(channel.get()) || m.id().isEmpty()) {
                problems.add("rider " + id + " got a message without its channel's position: " + m.json());
                return;
            }
            long n;
            try {
                n = Long.parseLong(m.data());
            } catch (NumberFormatException e) {
                problems.add("rider " + id + " got " + m.json());
                return;
            }
            tapes.get(channel.get()).add(new Received(n, m.id().get()));
            lastNumber.merge(channel.get(), n, Math::max);
            received.incrementAndGet();
        }

        private void ack(SubscriberEvent.Subscribed ack) {
            awaitingAck.remove(ack.channel());
            List<Entry> tape = tapes.get(ack.channel());
            if (tape == null || ack.recovered().isEmpty()) {
                problems.add("rider " + id + " got " + ack);
                return;
            }
            if (!ack.recovered().get()) {
                notRecovered.incrementAndGet();
                tape.add(new Reset("recovered:false at " + at.getPort()));
                if (ack.missed().orElse(0) != 0) {
                    problems.add("rider " + id + " got recovered:false with missed " + ack.missed());
                }
            } else {
                tape.add(new Resumed(ack.missed().orElse(-1)));
                if (reconnects.get() > 0) {
                    resumedRecovered.incrementAndGet();
                }
                if (ack.missed().orElse(0) > 0) {
                    resumedWithMissed.incrementAndGet();
                }
            }
        }

        private void reconnect() throws InterruptedException {
            BifrostSubscriber old = current;
            if (old != null) {
                // Every event of the old connection was taken (its Closed comes last): its positions are complete.
                Map<String, Position> merged = new LinkedHashMap<>(positions);
                merged.putAll(old.positions());
                positions = merged;
                old.close();
            }
            current = null;
            reconnects.incrementAndGet();
            while (!stopped) {
                URI base = randomLive();
                if (base != null && connect(base)) {
                    return;
                }
                Thread.sleep(100 + ThreadLocalRandom.current().nextInt(200));
            }
        }

        private boolean connect(URI base) {
            BifrostSubscriber s = null;
            try {
                s = BifrostSubscriber.connect(base);
                awaitingAck.clear();
                awaitingAck.addAll(channels);
                s.authenticate(RecoveryKit.subscribeToken(channels), positions);
                at = base;
                current = s;
                return true;
            } catch (IOException | RuntimeException e) {
                if (s != null) {
                    s.close();
                }
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }

    // ---- the check ----

    private static List<String> check(String who, List<Entry> tape, Ledger ledger, long sentinel) {
        List<String> problems = new ArrayList<>();
        Set<Long> seen = new HashSet<>();
        long lastAccepted = -1;
        List<List<Received>> segments = new ArrayList<>();
        segments.add(new ArrayList<>());
        for (Entry entry : tape) {
            switch (entry) {
                case Received r -> {
                    if (!seen.add(r.number())) {
                        problems.add(who + ": " + r.number() + " twice");
                    }
                    if (ledger.accepted.contains(r.number())) {
                        if (r.number() <= lastAccepted) {
                            problems.add(who + ": " + r.number() + " after " + lastAccepted + " (out of order)");
                        }
                        lastAccepted = Math.max(lastAccepted, r.number());
                    } else if (!ledger.refused.contains(r.number()) && !ledger.unknown.contains(r.number())) {
                        problems.add(who + ": " + r.number() + " was never published");
                    }
                    segments.getLast().add(r);
                }
                case Reset reset -> segments.add(new ArrayList<>());
                case Resumed resumed -> {
                }
            }
        }
        for (int s = 0; s < segments.size(); s++) {
            List<Received> segment = segments.get(s);
            for (int i = 1; i < segment.size(); i++) {
                Position before = segment.get(i - 1).id();
                Position now = segment.get(i).id();
                if (!now.equals(before.next())) {
                    problems.add(who + ": position " + now + " (#" + segment.get(i).number() + ") follows " + before
                            + " (#" + segment.get(i - 1).number() + ") with no recovered:false between");
                }
            }
            boolean first = s == 0;
            boolean last = s == segments.size() - 1;
            if (segment.isEmpty()) {
                if (first || last) {
                    problems.add(who + ": nothing received in the " + (first ? "first" : "last") + " stretch");
                }
                continue;
            }
            long lo = first ? 0 : segment.getFirst().number();
            long hi = last ? sentinel : segment.getLast().number();
            Set<Long> got = new HashSet<>();
            segment.forEach(r -> got.add(r.number()));
            List<Long> missing = new ArrayList<>(new TreeSet<>(ledger.accepted.stream()
                    .filter(n -> n >= lo && n <= hi && !got.contains(n)).toList()));
            if (!missing.isEmpty()) {
                problems.add(who + ": answered 200 and never delivered, with no recovered:false around them: "
                        + describeRange(missing) + " (stretch " + s + " of " + segments.size() + ", from #" + lo
                        + " to #" + hi + ")");
            }
        }
        return problems;
    }

    private void report(Cluster cluster, ProcessSlot process, List<Ledger> ledgers, List<Rider> riders) {
        long published = ledgers.stream().mapToLong(l -> l.number + 1).sum();
        long accepted = ledgers.stream().mapToLong(l -> l.accepted.size()).sum();
        long refused = ledgers.stream().mapToLong(l -> l.refused.size()).sum();
        long unknown = ledgers.stream().mapToLong(l -> l.unknown.size()).sum();
        long duplicates = ledgers.stream().mapToLong(l -> l.duplicates.get()).sum();
        long retries = ledgers.stream().mapToLong(l -> l.retries.get()).sum();
        long delivered = riders.stream().mapToLong(r -> r.received.get()).sum();
        long resets = riders.stream().mapToLong(r -> r.notRecovered.get()).sum();
        long resumed = riders.stream().mapToLong(r -> r.resumedRecovered.get()).sum();
        long withMissed = riders.stream().mapToLong(r -> r.resumedWithMissed.get()).sum();
        long reconnects = riders.stream().mapToLong(r -> r.reconnects.get()).sum();
        long healed = cluster.everyInstance().stream().mapToLong(g -> g.stats().relayHealed()).sum()
                + processHealed.stream().mapToLong(Long::longValue).sum() + process.healed();
        long lost = cluster.everyInstance().stream().mapToLong(g -> g.stats().relayLost()).sum();
        System.err.printf("ChaosIT: seed %d, %.1f s: published %d, 200s %d (of which duplicate answers %d), 503s %d,"
                        + " unknown fate %d, retried on another instance %d; delivered %d to %d subscribers; healed %d,"
                        + " lost (in-JVM instances) %d; recovered:false events %d, channels resumed recovered:true %d"
                        + " (with missed > 0: %d), reconnects %d%nChaosIT: faults %s%n", SEED,
                (System.nanoTime() - start) / 1e9, published, accepted, duplicates, refused, unknown, retries, delivered,
                riders.size(), healed, lost, resets, resumed, withMissed, reconnects, faultLog);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The process instance: started, SIGKILLed, started again (in the background). */
    private static final class ProcessSlot implements AutoCloseable {
        private final String redisUrl;
        private final Map<String, String> env;
        private final Path dir;
        private volatile GatewayProcesses running;
        private volatile Thread starting;
        private int generation;

        ProcessSlot(String redisUrl, Map<String, String> env, Path dir) {
            this.redisUrl = redisUrl;
            this.env = env;
            this.dir = dir;
        }

        void startNow() throws Exception {
            running = GatewayProcesses.start(redisUrl, env, dir, "chaos-process-" + (generation++));
        }

        void startLater(Runnable whenReady) {
            starting = Thread.ofPlatform().name("process-restart").start(() -> {
                for (int attempt = 0; attempt < 5 && running == null; attempt++) {
                    try {
                        startNow();
                    } catch (Exception e) {
                        sleep(500);
                    }
                }
                whenReady.run();
            });
        }

        void awaitStarted() throws InterruptedException {
            Thread t = starting;
            if (t != null) {
                t.join(Duration.ofSeconds(60).toMillis());
            }
            assertTrue(running != null, "the process instance did not start again");
        }

        boolean running() {
            return running != null;
        }

        URI uri() {
            return running.uris().getFirst();
        }

        long healed() {
            GatewayProcesses p = running;
            if (p == null) {
                return 0;
            }
            try {
                return RecoveryKit.metric(p.uris().getFirst(), "bifrost_relay_healed_total");
            } catch (RuntimeException | AssertionError e) {
                return 0;
            }
        }

        void kill() throws InterruptedException {
            GatewayProcesses p = running;
            running = null;
            p.process(0).destroyForcibly();
            p.process(0).waitFor(10, TimeUnit.SECONDS);
            p.close();
        }

        @Override
        public void close() {
            Thread t = starting;
            if (t != null) {
                try {
                    t.join(Duration.ofSeconds(60).toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            GatewayProcesses p = running;
            running = null;
            if (p != null) {
                p.close();
            }
        }
    }
}
