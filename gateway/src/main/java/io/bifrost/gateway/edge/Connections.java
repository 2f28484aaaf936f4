package io.bifrost.gateway.edge;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import io.bifrost.gateway.config.ConnectionLimits;

import io.helidon.common.socket.HelidonSocket;
import io.helidon.webserver.http1.Http1ConnectionListener;
import io.helidon.webserver.spi.ServerConnectionSelector;

/**
 * Every TCP connection of the listener, from accept to close: how many there are against the limit, and the
 * timeouts that cut connections which hold a descriptor without doing their part (slowloris, idle keep-alive).
 *
 * <p>Helidon cannot do either: its connection limit makes the listener stop accepting (clients hang rather than
 * being told to back off), its idle timeout only sees connections that sent a request line, and its listener thread
 * dies for good when {@code accept} fails for lack of descriptors. So the edge takes every connection first (see
 * {@link GuardedSelector}), and Helidon's own limit is set to the {@link Capacity#hardCap() hard cap}, below the
 * open-file limit.
 */
public final class Connections implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Connections.class.getName());
    private static final Duration SWEEP_EVERY = Duration.ofMillis(250);
    private static final Duration LIMIT_LOG_EVERY = Duration.ofMinutes(1);
    /** How long a connection answered for the last time may take to close its end. */
    private static final Duration LINGER = Duration.ofSeconds(1);

    /** Why the edge cut a connection, as a metric label. */
    public enum Timeout {
        /** No complete request head in time. */
        HEAD,
        /** A request body that did not arrive in time. */
        BODY,
        /** A kept-alive connection idle for too long. */
        IDLE
    }

    private final Capacity capacity;
    private final ConnectionLimits limits;
    private final AtomicInteger open = new AtomicInteger();
    private final Set<TrackedConnection> http = ConcurrentHashMap.newKeySet();
    private final ThreadLocal<TrackedConnection> serving = new ThreadLocal<>();
    private final LongAdder refused = new LongAdder();
    private final LongAdder[] timedOut = new LongAdder[Timeout.values().length];
    private final AtomicLong limitLoggedNanos = new AtomicLong();
    private final LongAdder refusedSinceLog = new LongAdder();
    private final ScheduledExecutorService sweeper;
    private volatile boolean stopping;

    /**
     * @param capacity how many connections this process holds
     * @param limits   the timeouts
     */
    public Connections(Capacity capacity, ConnectionLimits limits) {
        this.capacity = capacity;
        this.limits = limits;
        for (int i = 0; i < timedOut.length; i++) {
            timedOut[i] = new LongAdder();
        }
        this.sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "bifrost-edge-sweeper");
            t.setDaemon(true);
            return t;
        });
        sweeper.scheduleWithFixedDelay(this::sweep, SWEEP_EVERY.toMillis(), SWEEP_EVERY.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /**
     * @param http1 Helidon's HTTP/1.1 selector, with the gateway's upgraders
     * @return the one selector the listener should have: every connection goes through the edge to HTTP/1.1
     */
    public ServerConnectionSelector selector(ServerConnectionSelector http1) {
        return new GuardedSelector(http1, this);
    }

    /**
     * @return the HTTP/1.1 listener that tells the edge when a request head was read and when an answer began
     */
    public Http1ConnectionListener phases() {
        return new RequestPhases();
    }

    /**
     * @return Helidon's answers to requests it refuses before routing, in the gateway's words
     */
    public io.helidon.webserver.http.DirectHandlers directAnswers() {
        io.helidon.webserver.http.DirectHandlers.Builder builder = io.helidon.webserver.http.DirectHandlers.builder();
        DirectAnswers answers = new DirectAnswers();
        for (io.helidon.http.DirectHandler.EventType type : io.helidon.http.DirectHandler.EventType.values()) {
            builder.addHandler(type, answers);
        }
        return builder.build();
    }

    /**
     * @param paths the exact paths the gateway serves
     * @return the filter every request passes first (exact paths, closing after the answer when it must)
     */
    public io.helidon.webserver.http.Filter filter(Set<String> paths) {
        return new EdgeFilter(paths, this);
    }

    /**
     * @return the connection the calling thread serves (Helidon runs an HTTP/1.1 connection's requests on its own
     *         thread), if any
     */
    public Optional<TrackedConnection> current() {
        return Optional.ofNullable(serving.get());
    }

    /**
     * @return how many connections this process holds
     */
    public Capacity capacity() {
        return capacity;
    }

    /**
     * @return connections open now
     */
    public int open() {
        return open.get();
    }

    /**
     * @return connections refused for the limit since start
     */
    public long refused() {
        return refused.sum();
    }

    /**
     * @param why which timeout
     * @return connections cut for it since start
     */
    public long timedOut(Timeout why) {
        return timedOut[why.ordinal()].sum();
    }

    /**
     * A websocket upgrade or HTTP request was refused because its connection came over the limit.
     */
    public void refusedForLimit() {
        refused.increment();
        refusedSinceLog.increment();
        long now = System.nanoTime();
        long last = limitLoggedNanos.get();
        if ((last == 0 || now - last >= LIMIT_LOG_EVERY.toNanos()) && limitLoggedNanos.compareAndSet(last, now)) {
            LOG.log(Level.WARNING, "at the connection limit: " + open.get() + " connections open, "
                    + capacity.describe() + "; new websocket upgrades get 503 with Retry-After ("
                    + refusedSinceLog.sumThenReset() + " refused since the last such line; set BIFROST_MAX_CONNECTIONS"
                    + " and ulimit -n to hold more)");
        }
    }

    TrackedConnection accepted(HelidonSocket socket) {
        int now = open.incrementAndGet();
        TrackedConnection connection = new TrackedConnection(socket, now > capacity.max());
        http.add(connection);
        return connection;
    }

    void serving(TrackedConnection connection) {
        serving.set(connection);
    }

    void ended(TrackedConnection connection) {
        serving.remove();
        http.remove(connection);
        open.decrementAndGet();
    }

    /**
     * The connection was answered for the last time (or its websocket closing handshake is done) and now reads what
     * the client still sends until it closes; it is cut after a second if the client does not.
     *
     * @param connection the connection
     * @return false when it should not linger: the server is stopping
     */
    public boolean lingering(TrackedConnection connection) {
        connection.moveTo(TrackedConnection.Phase.LINGER);
        http.add(connection);
        return !stopping;
    }

    /**
     * The connection became a websocket: the HTTP timeouts stop applying to it.
     *
     * @param connection the connection
     */
    public void upgraded(TrackedConnection connection) {
        connection.upgraded();
        http.remove(connection);
    }

    /**
     * The connection's answer is a long-lived stream, written until the client leaves: the idle timeout must not cut
     * it once its first bytes are out. The stream closes the connection when it ends and cuts it if a write stalls.
     *
     * @param connection the connection
     */
    public void streaming(TrackedConnection connection) {
        connection.closeAfterAnswer();
        connection.moveTo(TrackedConnection.Phase.STREAM);
    }

    private void sweep() {
        long now = System.nanoTime();
        long header = limits.headerTimeout().toNanos();
        long idle = limits.idleTimeout().toNanos();
        for (TrackedConnection connection : http) {
            if (connection.wasCut()) {
                continue;
            }
            long inPhase = now - connection.phaseSinceNanos();
            Timeout why = switch (connection.phase()) {
                case HEAD -> inPhase > header ? Timeout.HEAD : null;
                // Only a blocked read counts against a request: a handler waiting on Redis is not a slow client.
                case REQUEST -> inPhase > header && connection.readingSinceNanos() != 0 ? Timeout.BODY : null;
                case IDLE -> inPhase > idle ? Timeout.IDLE : null;
                case WEBSOCKET, STREAM -> null;
                case LINGER -> {
                    if (inPhase > LINGER.toNanos()) {
                        connection.cut();
                    }
                    yield null;
                }
            };
            if (why != null) {
                timedOut[why.ordinal()].increment();
                connection.cut();
            }
        }
    }

    /**
     * The server stops: nothing lingers, and connections waiting for a client to close are cut.
     */
    @Override
    public void close() {
        stopping = true;
        sweeper.shutdownNow();
        for (TrackedConnection connection : http) {
            if (connection.phase() == TrackedConnection.Phase.LINGER) {
                connection.cut();
            }
        }
    }
}
