package io.bifrost.gateway.warmup;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

import io.bifrost.gateway.config.GatewayConfig;
import io.bifrost.protocol.ClientFrame;
import io.bifrost.protocol.HmacAlgorithm;
import io.bifrost.protocol.Tokens;

/**
 * Plays clients and a backend against a twin of the gateway, over loopback, before the gateway reports ready: sockets
 * connect, authenticate, join channels and take broadcasts, then close, in rounds. A fresh JVM spends its first
 * tens of seconds compiling exactly those paths (half its CPU, measured); the code compiled for the twin is the
 * gateway's own, so a new instance takes a reconnect storm, or its first broadcasts, with it.
 *
 * <p>The twin ({@link #twin}) is a second gateway in the same process, on a free loopback port, with its own counters
 * and, with Redis, its own key prefix: the warm-up's traffic shows in none of the gateway's metrics, channels or
 * cluster counts, and the gateway serves whoever connects meanwhile. The warm-up stops early, never holding
 * readiness beyond its budget, when the gateway stops or a step fails (Redis refusing, say).
 */
public final class Warmup {
    /** Sockets opened (and broadcasts sent) before the warm-up is done: past the JIT's thresholds for both paths. */
    public static final int TARGET = 10_000;
    /** The prefix of the warm-up's channels, on the twin. */
    public static final String CHANNEL_PREFIX = "bifrost-warmup.";
    /** Appended to the gateway's Redis prefix for the twin's keys and channels. */
    public static final String REDIS_PREFIX = "warmup:";
    private static final int WORKERS = 4;
    private static final int SOCKETS_PER_ROUND = 16;
    private static final int BROADCASTS_PER_ROUND = 16;
    private static final int TIMEOUT_MILLIS = 5_000;
    private static final Duration TOKEN_TTL = Duration.ofMinutes(5);
    private static final String LOOPBACK = "127.0.0.1";

    private final InetSocketAddress address;
    private final Tokens tokens;
    // Twins of instances starting together share Redis: each run's channels are its own.
    private final String channels = CHANNEL_PREFIX + Long.toHexString(new SplittableRandom().nextLong()) + ".";
    private final boolean withJti;
    private final BooleanSupplier stopping;
    private final AtomicInteger connects = new AtomicInteger();
    private final AtomicInteger broadcasts = new AtomicInteger();
    private final AtomicReference<String> failure = new AtomicReference<>();

    /**
     * @param address  the twin, on loopback
     * @param tokens   the gateway's own secret, to mint the tokens its clients and backend would bring
     * @param withJti  give every broadcast a {@code jti}, as the gateway requires (BIFROST_REQUIRE_JTI)
     * @param stopping true once the gateway drains or stops
     */
    public Warmup(InetSocketAddress address, Tokens tokens, boolean withJti, BooleanSupplier stopping) {
        this.address = address;
        this.tokens = tokens;
        this.withJti = withJti;
        this.stopping = stopping;
    }

    /**
     * Runs until {@value #TARGET} sockets have connected and as many broadcasts been answered, the budget is spent,
     * the gateway stops, or a step fails.
     *
     * @param budget the longest it may take
     * @return what it did, and why it stopped early if it did
     * @throws InterruptedException if the thread running it is interrupted
     */
    public Result run(Duration budget) throws InterruptedException {
        long started = System.nanoTime();
        long deadline = started + budget.toNanos();
        List<Thread> workers = new ArrayList<>();
        for (int w = 0; w < WORKERS; w++) {
            int worker = w;
            workers.add(Thread.ofVirtual().name("bifrost-warmup-" + w).start(() -> work(worker, deadline)));
        }
        for (Thread worker : workers) {
            worker.join();
        }
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        // A stop fails the steps under way: it, not their failure, is the reason.
        Optional<String> stoppedEarly = (stopping.getAsBoolean() ? Optional.of("the gateway is stopping")
                : Optional.ofNullable(failure.get()))
                .or(() -> connects.get() < TARGET ? Optional.of("its budget of " + budget.toSeconds() + " s was spent")
                        : Optional.empty());
        return new Result(connects.get(), broadcasts.get(), took, stoppedEarly);
    }

    /**
     * @param config the gateway's configuration
     * @return the twin's: the same but on a free loopback port, without a warm-up of its own, and with Redis under
     *         the twins' own prefix ({@code <prefix>warmup:}), so no gateway ever sees a twin; twins see each other,
     *         as a cluster of their own whose members reap those that died warming up
     */
    public static GatewayConfig twin(GatewayConfig config) {
        GatewayConfig twin = config.withHost(LOOPBACK).withPort(0).withWarmup(Duration.ZERO);
        return config.redis().map(redis -> twin.withRedis(redis.withPrefix(redis.prefix() + REDIS_PREFIX)))
                .orElse(twin);
    }

    private void work(int worker, long deadline) {
        SplittableRandom random = new SplittableRandom();
        String shared = channels + worker;
        try (LoopbackPublisher publisher = new LoopbackPublisher(address, TIMEOUT_MILLIS)) {
            for (int round = 0; connects.get() < TARGET && failure.get() == null && !stopping.getAsBoolean()
                    && System.nanoTime() < deadline; round++) {
                round(worker, round, shared, publisher, random);
            }
        } catch (IOException | RuntimeException e) {
            failure.compareAndSet(null, e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
        }
    }

    // A round: sockets join the worker's shared channel and one of their own each (as a user's channel would be),
    // the backend broadcasts to the shared one, every socket takes every broadcast, and all of them close.
    private void round(int worker, int round, String shared, LoopbackPublisher publisher, SplittableRandom random)
            throws IOException {
        List<LoopbackSocket> sockets = new ArrayList<>(SOCKETS_PER_ROUND);
        try {
            for (int s = 0; s < SOCKETS_PER_ROUND; s++) {
                LoopbackSocket socket = LoopbackSocket.open(address, TIMEOUT_MILLIS, random);
                sockets.add(socket);
                connects.incrementAndGet();
                String own = shared + "." + round + "." + s;
                socket.send(new ClientFrame.Authenticate(tokens.subscribeToken(List.of(shared, own), TOKEN_TTL))
                        .encode());
            }
            for (LoopbackSocket socket : sockets) {
                expect(socket, "subscribed");
                expect(socket, "subscribed");
            }
            for (int b = 0; b < BROADCASTS_PER_ROUND; b++) {
                Map<String, Object> claims = new HashMap<>(Map.of("channel", shared,
                        "message", Map.of("event", "warmup", "data", worker + "." + round),
                        "exp", System.currentTimeMillis() / 1000 + TOKEN_TTL.toSeconds()));
                if (withJti) {
                    claims.put("jti", UUID.randomUUID().toString());
                }
                publisher.broadcast(tokens.mint(claims, HmacAlgorithm.HS512));
                broadcasts.incrementAndGet();
            }
            for (LoopbackSocket socket : sockets) {
                for (int b = 0; b < BROADCASTS_PER_ROUND; b++) {
                    expect(socket, "warmup");
                }
            }
        } finally {
            sockets.forEach(LoopbackSocket::close);
        }
    }

    private static void expect(LoopbackSocket socket, String event) throws IOException {
        String frame = socket.receive();
        if (!frame.contains("\"event\":\"" + event + "\"")) {
            throw new IOException("a warm-up socket expected \"" + event + "\" and got "
                    + frame.substring(0, Math.min(frame.length(), 120)));
        }
    }

    /**
     * What a warm-up did.
     *
     * @param connects     sockets it opened
     * @param broadcasts   broadcasts the gateway accepted from it
     * @param took         how long it ran
     * @param stoppedEarly why it stopped before its target, if it did
     */
    public record Result(int connects, int broadcasts, Duration took, Optional<String> stoppedEarly) {
    }
}
