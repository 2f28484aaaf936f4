package io.bifrost.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.IntFunction;

/**
 * The generator's sockets: opened with a bounded number of handshakes in progress (a real crowd does not arrive in
 * one instant, and an accept backlog overflow would only measure the kernel's patience), each authenticated for one
 * channel. Channel {@code i % channels} for socket {@code i}, so channels hold equal shares. Loop thread only, except
 * the volatile counts.
 */
final class Fleet {
    private final EventLoop loop;
    private final List<WsSocket> sockets;
    private final SocketAccount[][] members;
    private final byte[][] authenticate;
    private final int maxConnecting;
    private final Ledger ledger;
    private final SplittableRandom random = new SplittableRandom(42);
    private byte[] readBuffer = new byte[256 * 1024];

    private int nextToOpen;
    private boolean opening;
    private int connecting;
    private volatile int subscribed;
    private volatile int failed;
    private volatile long startedNanos;
    private volatile long doneNanos;
    private volatile int frameBytes;
    private final Map<Integer, Integer> closedByGateway = new TreeMap<>();
    private final Map<String, Integer> failures = new TreeMap<>();
    private final Map<String, Integer> generatorFaults = new TreeMap<>();
    private final List<String> unexpected = new ArrayList<>();
    private long unexpectedCount;

    /**
     * @param loop          the generator's loop
     * @param targets       gateways to spread the sockets over, round robin
     * @param sources       local addresses to bind, round robin; empty: let the kernel choose
     * @param count         sockets
     * @param channels      channels
     * @param token         the subscribe token for a channel index
     * @param maxConnecting handshakes in progress at most
     * @param capacity      most broadcasts the run may send
     */
    Fleet(EventLoop loop, List<InetSocketAddress> targets, List<InetAddress> sources, int count, int channels,
          IntFunction<String> token, int maxConnecting, int capacity) {
        this.loop = loop;
        this.maxConnecting = maxConnecting;
        this.sockets = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            InetAddress source = sources.isEmpty() ? null : sources.get(i % sources.size());
            sockets.add(new WsSocket(this, i, i % channels, targets.get(i % targets.size()), source));
        }
        // One channel more than the sockets use, held by none: warm-ups that must reach no socket post there.
        this.members = Ledger.byChannel(sockets.stream().map(s -> s.account).toList(), channels + 1);
        this.authenticate = new byte[channels][];
        for (int c = 0; c < channels; c++) {
            String frame = "{\"event\":\"authenticate\",\"data\":\"" + token.apply(c) + "\"}";
            authenticate[c] = WsFrames.masked(WsFrames.OP_TEXT, frame.getBytes(StandardCharsets.UTF_8), random);
        }
        this.ledger = new Ledger(capacity, members);
    }

    /** Starts opening every socket. Any thread. */
    void open() {
        loop.execute(() -> {
            startedNanos = System.nanoTime();
            openMore();
        });
    }

    private void openMore() {
        if (opening) {
            // A connect that fails at once re-enters through ended(): the loop below carries on.
            return;
        }
        opening = true;
        try {
            while (connecting < maxConnecting && nextToOpen < sockets.size()) {
                WsSocket socket = sockets.get(nextToOpen++);
                connecting++;
                try {
                    socket.connect();
                } catch (IOException | RuntimeException e) {
                    socket.failed(e);
                }
            }
        } finally {
            opening = false;
        }
        if (subscribed + failed == sockets.size() && doneNanos == 0) {
            doneNanos = System.nanoTime();
        }
    }

    void subscribed(WsSocket socket) {
        subscribed++;
        connecting--;
        openMore();
    }

    void ended(WsSocket socket, WsSocket.State was) {
        if (was == WsSocket.State.SUBSCRIBED) {
            subscribed--;
            if (socket.closedByGateway()) {
                closedByGateway.merge(socket.closeCode(), 1, Integer::sum);
            } else {
                // The generator gave up on a socket the gateway still served: a fault of the tool, reported as such.
                generatorFaults.merge(simplify(socket.closeReason()), 1, Integer::sum);
            }
            return;
        }
        failed++;
        connecting--;
        failures.merge(simplify(socket.closeCode() + " " + socket.closeReason()), 1, Integer::sum);
        openMore();
    }

    private static String simplify(String reason) {
        // Failures differ only by addresses and ports; group them by what went wrong.
        return reason.replaceAll("/?[0-9.]+:[0-9]+", "<addr>");
    }

    void unexpectedText(String text) {
        unexpectedCount++;
        if (unexpected.size() < 5) {
            unexpected.add(text.length() > 200 ? text.substring(0, 200) + "..." : text);
        }
    }

    void frameSeen(int bytes) {
        frameBytes = bytes;
    }

    /** Closes every socket (abortively: no TIME_WAIT left behind). Loop thread. */
    void abortAll() {
        for (WsSocket s : sockets) {
            s.abort();
        }
    }

    byte[] readBuffer(int atLeast) {
        if (readBuffer.length < atLeast) {
            readBuffer = new byte[Math.max(atLeast, readBuffer.length * 2)];
        }
        return readBuffer;
    }

    byte[] authenticateFrame(int channel) {
        return authenticate[channel];
    }

    EventLoop loop() {
        return loop;
    }

    SplittableRandom random() {
        return random;
    }

    Ledger ledger() {
        return ledger;
    }

    int size() {
        return sockets.size();
    }

    /** Channels the sockets hold; index {@code channels()} is the one no socket holds. */
    int channels() {
        return members.length - 1;
    }

    int subscribedCount() {
        return subscribed;
    }

    int failedCount() {
        return failed;
    }

    /** Seconds from the first connect to the last socket subscribed (or failed); 0 while not done. */
    double establishSeconds() {
        return doneNanos == 0 ? 0 : (doneNanos - startedNanos) / 1e9;
    }

    boolean established() {
        return doneNanos != 0;
    }

    int frameBytes() {
        return frameBytes;
    }

    /** Snapshot of closes by the gateway, failures and unexpected frames. Loop thread. */
    Map<String, Object> incidents() {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        Map<String, Integer> closes = new TreeMap<>();
        closedByGateway.forEach((code, n) -> closes.put(String.valueOf(code), n));
        m.put("closed_by_gateway", closes);
        m.put("connect_failures", Map.copyOf(failures));
        m.put("generator_faults", Map.copyOf(generatorFaults));
        m.put("unexpected_frames", unexpectedCount);
        m.put("unexpected_examples", List.copyOf(unexpected));
        return m;
    }
}
