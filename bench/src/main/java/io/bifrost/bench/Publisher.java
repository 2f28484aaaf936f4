package io.bifrost.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntSupplier;

import io.bifrost.protocol.Tokens;

/**
 * The backend side: posts broadcasts over keep-alive connections, one request in flight per connection. Saturating:
 * each answer is followed at once by the next request, so K connections keep K broadcasts in flight and the rate is
 * whatever the gateway accepts. Paced: a pacer thread schedules broadcasts at a fixed rate; a broadcast waits for a
 * free connection and its latency counts from its scheduled time, so a gateway (or generator) that falls behind
 * shows as latency instead of slowing the schedule. A refusal with 503 or 429 rests that connection for 10 ms.
 *
 * <p>Each broadcast's message is {@code {"event":"bench","data":"<number> xxxx..."}}, {@code data} padded to the
 * payload size; the number is how receipts are matched to broadcasts.
 */
final class Publisher {
    private static final Duration REST = Duration.ofMillis(10);
    private static final Duration RECONNECT = Duration.ofMillis(100);

    private final EventLoop loop;
    private final Ledger ledger;
    private final Tokens tokens;
    private final String[] channelNames;
    private final int payloadBytes;
    private final IntSupplier channelPicker;
    private final List<HttpConnection> connections = new ArrayList<>();
    private final ArrayDeque<Long> backlog = new ArrayDeque<>();
    private final String padding;

    private boolean running;
    private boolean closed;
    private boolean paced;
    private volatile boolean pacing;
    private volatile boolean scheduled;
    private long limit;
    private long sent;
    private boolean exhausted;
    private int maxBacklog;
    private long lostConnections;
    private final Map<String, Integer> refusalExamples = new TreeMap<>();

    /**
     * @param loop          the generator's loop
     * @param ledger        where broadcasts are numbered and accounted
     * @param tokens        mints the broadcast tokens
     * @param targets       gateways to post to, spread over the connections round robin
     * @param connections   connections, i.e. requests in flight at most
     * @param channelNames  channel names by index
     * @param payloadBytes  length of each message's data
     * @param channelPicker the channel of the next broadcast (loop thread)
     */
    Publisher(EventLoop loop, Ledger ledger, Tokens tokens, List<InetSocketAddress> targets, int connections,
              String[] channelNames, int payloadBytes, IntSupplier channelPicker) {
        this.loop = loop;
        this.ledger = ledger;
        this.tokens = tokens;
        this.channelNames = channelNames;
        this.payloadBytes = payloadBytes;
        this.channelPicker = channelPicker;
        this.padding = "x".repeat(Math.max(0, payloadBytes));
        for (int i = 0; i < connections; i++) {
            this.connections.add(new HttpConnection(this, targets.get(i % targets.size())));
        }
    }

    /** Opens the connections. Any thread. */
    void connect() {
        loop.execute(() -> connections.forEach(this::reconnect));
    }

    boolean connectedAll() {
        return loop.call(() -> connections.stream().allMatch(c -> c.idle(System.nanoTime())));
    }

    /** Starts posting back to back, at most {@code limit} broadcasts. Any thread. */
    void saturate(long limit) {
        loop.execute(() -> {
            begin(limit, false);
            pump();
        });
    }

    /** Starts posting {@code rate} broadcasts a second, at most {@code limit}. Any thread. */
    void pace(double rate, long limit) {
        loop.execute(() -> begin(limit, true));
        pacing = true;
        scheduled = false;
        Thread.ofPlatform().name("bench-pacer").daemon().start(() -> {
            long t0 = System.nanoTime();
            for (long n = 0; pacing && n < limit; n++) {
                long due = t0 + (long) (n * 1e9 / rate);
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
                if (!pacing) {
                    return;
                }
                loop.execute(() -> {
                    if (running) {
                        backlog.add(due);
                        maxBacklog = Math.max(maxBacklog, backlog.size());
                        pump();
                    }
                });
            }
            scheduled = true;
        });
    }

    /** Paced: every broadcast of the schedule has been written. Any thread. */
    boolean scheduleDone() {
        return scheduled && loop.call(backlog::isEmpty);
    }

    private void begin(long limit, boolean paced) {
        this.limit = limit;
        this.paced = paced;
        this.sent = 0;
        this.exhausted = false;
        this.maxBacklog = 0;
        this.lostConnections = 0;
        this.refusalExamples.clear();
        this.backlog.clear();
        this.running = true;
    }

    /** Stops issuing broadcasts; those in flight finish. Any thread. */
    void stop() {
        pacing = false;
        loop.execute(() -> running = false);
    }

    /** True while a request is in flight. Loop thread. */
    boolean busyInLoop() {
        return connections.stream().anyMatch(HttpConnection::busy);
    }

    /** What this phase of publishing saw. Loop thread. */
    Map<String, Object> summary() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("sent", sent);
        m.put("stopped_at_bound", exhausted);
        m.put("max_backlog", maxBacklog);
        m.put("unsent_backlog_at_stop", backlog.size());
        m.put("connections_lost", lostConnections);
        m.put("refusal_examples", Map.copyOf(refusalExamples));
        return m;
    }

    Map<String, Object> summaryFromAnyThread() {
        return loop.call(this::summary);
    }

    private void pump() {
        long now = System.nanoTime();
        for (HttpConnection c : connections) {
            if (!running || (paced && backlog.isEmpty())) {
                return;
            }
            if (c.idle(now)) {
                sendOn(c, now);
            }
        }
    }

    private void sendOn(HttpConnection c, long now) {
        if (sent >= limit) {
            exhausted = true;
            running = false;
            return;
        }
        int channel = channelPicker.getAsInt();
        int id = ledger.open(channel);
        if (id < 0) {
            exhausted = true;
            running = false;
            return;
        }
        byte[] request = request(id, channel, c.target());
        long start = paced ? backlog.poll() : System.nanoTime();
        long written = System.nanoTime();
        ledger.started(id, start, written);
        sent++;
        try {
            c.send(id, request);
        } catch (IOException e) {
            c.failed(e);
        }
    }

    private byte[] request(int id, int channel, InetSocketAddress target) {
        String number = Integer.toString(id);
        String data = number.length() >= payloadBytes ? number
                : number + " " + padding.substring(0, Math.max(0, payloadBytes - number.length() - 1));
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("event", "bench");
        message.put("data", data);
        String token = tokens.broadcastToken(channelNames[channel], message, null);
        byte[] body = ("{\"token\":\"" + token + "\"}").getBytes(StandardCharsets.US_ASCII);
        byte[] head = ("POST /broadcast HTTP/1.1\r\nHost: " + target.getHostString() + ":" + target.getPort()
                + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        byte[] request = new byte[head.length + body.length];
        System.arraycopy(head, 0, request, 0, head.length);
        System.arraycopy(body, 0, request, head.length, body.length);
        return request;
    }

    void connected(HttpConnection c) {
        pump();
    }

    void answered(HttpConnection c, int id, int status, int deliveries, String body) {
        long now = System.nanoTime();
        if (id >= 0) {
            if (status == 200) {
                ledger.accepted(id, deliveries, now);
            } else {
                ledger.refused(id, status, now);
                if (refusalExamples.size() < 5) {
                    refusalExamples.merge(status + " " + body, 1, Integer::sum);
                }
                if (status == 503 || status == 429) {
                    c.restUntil(now + REST.toNanos());
                    loop.schedule(REST, this::pump);
                }
            }
        }
        if (!c.open()) {
            loop.schedule(Duration.ZERO, () -> reconnect(c));
            return;
        }
        if (running && c.idle(now)) {
            if (!paced || !backlog.isEmpty()) {
                sendOn(c, now);
            }
        }
    }

    void lost(HttpConnection c, int id, String why) {
        if (id >= 0) {
            ledger.unanswered(id);
        }
        lostConnections++;
        if (refusalExamples.size() < 5) {
            refusalExamples.merge("connection lost: " + why, 1, Integer::sum);
        }
        loop.schedule(RECONNECT, () -> reconnect(c));
    }

    private void reconnect(HttpConnection c) {
        if (closed) {
            return;
        }
        try {
            c.connect(loop);
        } catch (IOException e) {
            lost(c, -1, e.toString());
        }
    }

    /** Closes every connection. Loop thread. */
    void close() {
        pacing = false;
        running = false;
        closed = true;
        connections.forEach(HttpConnection::close);
    }
}
