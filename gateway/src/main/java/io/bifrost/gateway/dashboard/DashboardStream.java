package io.bifrost.gateway.dashboard;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

import io.bifrost.gateway.edge.Connections;
import io.bifrost.gateway.edge.TrackedConnection;
import io.bifrost.gateway.http.JsonReply;

import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * {@code GET /dashboard/stream}: server-sent events, one snapshot a second. First an {@code event: history} with the
 * last minutes of plot points, then one {@code data:} line a second.
 *
 * <p>At most {@link #MAX_STREAMS} at once: each holds a connection and a thread, so one more gets 503 (counted)
 * rather than letting dashboards exhaust the instance. A stream whose client stops reading is cut once a write has
 * been blocked for {@link #STALL}; the edge's idle timeout does not apply to it (see {@link Connections#streaming}).
 */
final class DashboardStream implements Handler {
    /** Dashboards streaming at once, at most. */
    static final int MAX_STREAMS = 16;
    /** A write blocked this long means the client stopped reading. */
    static final Duration STALL = Duration.ofSeconds(10);
    /** How long a stream waits for a snapshot before it writes a comment to find out whether its client left. */
    private static final Duration KEEP_ALIVE = Duration.ofSeconds(15);

    private final Sampler sampler;
    private final Connections connections;
    private final AtomicInteger open = new AtomicInteger();
    private final LongAdder refused = new LongAdder();
    private final Set<Client> clients = ConcurrentHashMap.newKeySet();

    DashboardStream(Sampler sampler, Connections connections) {
        this.sampler = sampler;
        this.connections = connections;
        sampler.afterTick(this::cutStalled);
    }

    /** @return streams open now */
    int open() {
        return open.get();
    }

    /** @return streams refused for the limit since start */
    long refused() {
        return refused.sum();
    }

    @Override
    public void handle(ServerRequest req, ServerResponse res) {
        if (open.incrementAndGet() > MAX_STREAMS) {
            open.decrementAndGet();
            refused.increment();
            JsonReply.send(res.header(HeaderNames.RETRY_AFTER, "10"), Status.SERVICE_UNAVAILABLE_503,
                    JsonReply.object("error", MAX_STREAMS + " dashboard streams are open, the most one instance"
                            + " serves; close a dashboard and retry"));
            return;
        }
        sampler.watchers(open.get());
        Optional<TrackedConnection> connection = connections.current();
        Client client = new Client(connection);
        clients.add(client);
        try {
            // The connection ends with the stream: it is never kept alive for another request.
            connection.ifPresent(connections::streaming);
            res.header(HeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8")
                    .header(HeaderNames.CACHE_CONTROL, "no-store")
                    .header(HeaderValues.CONNECTION_CLOSE)
                    // A proxy in front (nginx) would otherwise hold the events back to fill its buffer.
                    .header("X-Accel-Buffering", "no");
            try (OutputStream out = res.outputStream()) {
                client.write(out, "retry: 5000\nevent: history\ndata: " + sampler.history() + "\n\n");
                long seq = sampler.latest().seq();
                while (true) {
                    Sampler.Sample next = sampler.next(seq, KEEP_ALIVE);
                    if (next == null) {
                        break;
                    }
                    if (next.seq() == seq) {
                        client.write(out, ": still here\n\n");
                    } else {
                        seq = next.seq();
                        client.write(out, "data: " + next.json() + "\n\n");
                    }
                }
            }
        } catch (IOException | UncheckedIOException e) {
            // The client left, or its stalled stream was cut.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            clients.remove(client);
            sampler.watchers(open.decrementAndGet());
        }
    }

    private void cutStalled() {
        long now = System.nanoTime();
        for (Client client : clients) {
            long since = client.writingSinceNanos;
            if (since != 0 && now - since > STALL.toNanos()) {
                client.connection.ifPresent(TrackedConnection::cut);
            }
        }
    }

    private static final class Client {
        private final Optional<TrackedConnection> connection;
        // When the write in progress began (0: none), for the stall check.
        private volatile long writingSinceNanos;

        Client(Optional<TrackedConnection> connection) {
            this.connection = connection;
        }

        void write(OutputStream out, String event) throws IOException {
            writingSinceNanos = System.nanoTime() | 1;
            try {
                out.write(event.getBytes(StandardCharsets.UTF_8));
                out.flush();
            } finally {
                writingSinceNanos = 0;
            }
        }
    }
}
